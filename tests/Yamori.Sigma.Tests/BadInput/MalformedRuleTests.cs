using System.Diagnostics;
using System.Text;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.BadInput;

/// <summary>
/// Rules that are broken, hostile or merely enormous. A bad rule is reported with its file, line, rule id and
/// reason and never stops the other rules from loading; nothing hangs, and nothing takes the process down.
/// </summary>
public sealed class MalformedRuleTests
{
    private const string GoodId = "c0ffee00-0000-4000-8000-000000000001";

    private static string Rule(string id, string detection, string title = "Rule")
    {
        var sb = new StringBuilder();
        sb.Append("title: ").Append(title).Append('\n');
        sb.Append("id: ").Append(id).Append('\n');
        sb.Append("logsource: {}\n");
        sb.Append("detection:\n");
        foreach (string line in detection.Split('\n'))
        {
            sb.Append("    ").Append(line).Append('\n');
        }

        return sb.ToString();
    }

    private static bool Matches(RuleSet set, FlatEvent e)
    {
        var matches = new List<SigmaRule>();
        return new SigmaEngine(set).CreateSession().Match(e, matches) > 0;
    }

    private static RuleError SingleError(string file, string yaml)
    {
        RuleSet set = RuleLoader.LoadYaml([(file, yaml)]);
        Assert.Empty(set.Rules);
        RuleError error = Assert.Single(set.Errors);
        Assert.Equal(file, error.File);
        return error;
    }

    [Fact]
    public void Malformed_yaml_reports_file_and_line()
    {
        // Line 7 is indented less than the map it should belong to, and more than its parent.
        const string yaml = "title: Broken\nid: c0ffee00-0000-4000-8000-0000000000b1\nlogsource: {}\ndetection:\n    selection:\n        Image: 'a'\n       Bad: 'b'\n    condition: selection\n";
        RuleError error = SingleError("broken.yml", yaml);
        Assert.Equal("yaml", error.ReasonCode);
        Assert.Equal(7, error.Line);
        Assert.Null(error.RuleId); // the document could not be read, so neither could its id
    }

    // YamlDotNet locates a tab used as indentation at the start of the enclosing map only, so just the reason is
    // asserted here.
    [Fact]
    public void Tab_indentation_is_a_yaml_error()
    {
        const string yaml = "title: Broken\nid: c0ffee00-0000-4000-8000-0000000000bb\nlogsource: {}\ndetection:\n    selection:\n\tImage: 'x'\n    condition: selection\n";
        RuleError error = SingleError("tab.yml", yaml);
        Assert.Equal("yaml", error.ReasonCode);
        Assert.True(error.Line > 0);
    }

    // An unclosed flow list followed by more lines (a common typo) makes YamlDotNet throw InvalidOperationException
    // rather than YamlException; the loader must still report it as a YAML error instead of throwing.
    [Theory]
    [InlineData("        Image: [a, b\n")]
    [InlineData("        Image: {a: b\n")]
    public void Unclosed_flow_collection_is_reported_not_thrown(string badLine)
    {
        string yaml = "title: Broken\nid: c0ffee00-0000-4000-8000-0000000000bc\nlogsource: {}\ndetection:\n    selection:\n" + badLine + "    condition: selection\n";
        RuleSet set = RuleLoader.LoadYaml([("good.yml", Rule(GoodId, "selection:\n    A: '1'\ncondition: selection")), ("flow.yml", yaml)]);
        Assert.Single(set.Rules);
        RuleError error = Assert.Single(set.Errors);
        Assert.Equal("flow.yml", error.File);
        Assert.Equal("yaml", error.ReasonCode); // YamlDotNet gives no position with this exception, so no line is asserted
    }

    [Fact]
    public void Unterminated_quote_is_a_yaml_error_at_or_after_its_line()
    {
        const string yaml = "title: Broken\nid: c0ffee00-0000-4000-8000-0000000000b2\nlogsource: {}\ndetection:\n    selection:\n        Image: 'unterminated\n    condition: selection\n";
        RuleError error = SingleError("quote.yml", yaml);
        Assert.Equal("yaml", error.ReasonCode);
        Assert.InRange(error.Line, 6, 8);
    }

    // "detection ... Use: mandatory"
    [Fact]
    public void Missing_detection()
    {
        RuleError error = SingleError("nodetect.yml", "title: No detection\nid: c0ffee00-0000-4000-8000-0000000000b3\nlogsource: {}\nlevel: high\n");
        Assert.Equal("schema", error.ReasonCode);
        Assert.Equal(1, error.Line);
        Assert.Equal("c0ffee00-0000-4000-8000-0000000000b3", error.RuleId);
    }

    // "condition ... Use: mandatory"
    [Fact]
    public void Missing_condition()
    {
        RuleError error = SingleError("nocond.yml", Rule("c0ffee00-0000-4000-8000-0000000000b4", "selection:\n    Image: 'x'"));
        Assert.Equal("schema", error.ReasonCode);
        Assert.InRange(error.Line, 4, 5); // the detection section ("detection:" is line 4, its first key line 5)
        Assert.Equal("c0ffee00-0000-4000-8000-0000000000b4", error.RuleId);
        Assert.Contains("condition", error.Message, StringComparison.Ordinal);
    }

    // "title ... Use: mandatory"
    [Fact]
    public void Missing_title()
    {
        const string yaml = "id: c0ffee00-0000-4000-8000-0000000000b5\nlogsource: {}\ndetection:\n    selection:\n        Image: 'x'\n    condition: selection\n";
        RuleError error = SingleError("notitle.yml", yaml);
        Assert.Equal("schema", error.ReasonCode);
        Assert.Equal(1, error.Line);
        Assert.Equal("c0ffee00-0000-4000-8000-0000000000b5", error.RuleId);
    }

    // "logsource ... Use: mandatory"
    [Fact]
    public void Missing_logsource()
    {
        const string yaml = "title: No logsource\nid: c0ffee00-0000-4000-8000-0000000000b6\ndetection:\n    selection:\n        Image: 'x'\n    condition: selection\n";
        RuleError error = SingleError("nols.yml", yaml);
        Assert.Equal("schema", error.ReasonCode);
        Assert.Equal("c0ffee00-0000-4000-8000-0000000000b6", error.RuleId);
    }

    // Maps: "the key is a field in the log data and the value is a string or integer value" — not another map.
    [Fact]
    public void Map_value_that_is_a_nested_map()
    {
        RuleError error = SingleError("nested.yml", Rule("c0ffee00-0000-4000-8000-0000000000b7", "selection:\n    Image:\n        Nested: 'x'\ncondition: selection"));
        Assert.Equal("schema", error.ReasonCode);
        Assert.Equal(7, error.Line);
        Assert.Equal("c0ffee00-0000-4000-8000-0000000000b7", error.RuleId);
    }

    [Fact]
    public void Nested_list_in_a_value_list()
    {
        RuleError error = SingleError("nestedlist.yml", Rule("c0ffee00-0000-4000-8000-0000000000b8", "selection:\n    Image:\n        - 'a'\n        - ['b', 'c']\ncondition: selection"));
        Assert.Equal("schema", error.ReasonCode);
        Assert.Equal(8, error.Line);
    }

    [Fact]
    public void Non_scalar_key_in_a_selection_is_reported_not_thrown()
    {
        RuleError error = SingleError("key.yml", Rule("c0ffee00-0000-4000-8000-0000000000b9", "selection:\n    ? ['Image', 'x']\n    : 'y'\ncondition: selection"));
        Assert.Equal("c0ffee00-0000-4000-8000-0000000000b9", error.RuleId);
        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void Bad_regex_reports_the_line_of_its_key()
    {
        RuleError error = SingleError("regex.yml", Rule("c0ffee00-0000-4000-8000-0000000000ba", "selection:\n    EventID: 1\n    CommandLine|re: '(unclosed'\ncondition: selection"));
        Assert.Equal("bad-regex", error.ReasonCode);
        Assert.Equal(7, error.Line);
        Assert.Equal("c0ffee00-0000-4000-8000-0000000000ba", error.RuleId);
    }

    [Fact]
    public void Document_that_is_not_a_map()
    {
        RuleError error = SingleError("list.yml", "- title: a list\n- is not a rule\n");
        Assert.Equal("schema", error.ReasonCode);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Empty_file_loads_nothing_and_reports_nothing()
    {
        RuleSet set = RuleLoader.LoadYaml([("empty.yml", string.Empty)]);
        Assert.Empty(set.Rules);
        Assert.Empty(set.Errors);
    }

    [Fact]
    public void One_megabyte_value_loads_and_matches()
    {
        string big = new string('x', 1 << 20) + "MARKER";
        var sw = Stopwatch.StartNew();
        RuleSet set = RuleLoader.LoadYaml([("big.yml", Rule(GoodId, $"selection:\n    CommandLine|contains: '{big}'\ncondition: selection"))]);
        Assert.Empty(set.Errors);
        Assert.True(Matches(set, SpecEvent("CommandLine", "prefix " + big + " suffix")));
        Assert.False(Matches(set, SpecEvent("CommandLine", "prefix " + big[..^1] + " suffix")));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
    }

    [Fact]
    public void Hundred_thousand_item_value_list_loads_and_matches()
    {
        var sb = new StringBuilder("selection:\n    Hash:\n");
        for (int i = 0; i < 100_000; i++)
        {
            sb.Append("        - 'h").Append(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Append("'\n");
        }

        sb.Append("condition: selection");
        var sw = Stopwatch.StartNew();
        RuleSet set = RuleLoader.LoadYaml([("list.yml", Rule(GoodId, sb.ToString()))]);
        Assert.Empty(set.Errors);
        Assert.True(Matches(set, SpecEvent("Hash", "h000000")));
        Assert.True(Matches(set, SpecEvent("Hash", "H099999")));
        Assert.False(Matches(set, SpecEvent("Hash", "h100000")));
        Assert.False(Matches(set, SpecEvent("Hash", "h0999")));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
    }

    // A catastrophically backtracking pattern on a hostile value: the evaluation is abandoned at the regex timeout
    // (counted, treated as no match) instead of stalling the pipeline.
    [Fact]
    public void Catastrophic_regex_times_out_instead_of_hanging()
    {
        RuleSet set = RuleLoader.LoadYaml(
            [("redos.yml", Rule(GoodId, "selection:\n    CommandLine|re: '(a+)+$'\ncondition: selection"))],
            new CompileOptions { RegexTimeout = TimeSpan.FromMilliseconds(50) });
        Assert.Empty(set.Errors);
        long before = Interlocked.Read(ref EngineCounters.RegexTimeouts);
        var sw = Stopwatch.StartNew();
        bool matched = Matches(set, SpecEvent("CommandLine", new string('a', 5000) + "b"));
        sw.Stop();
        Assert.False(matched);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        Assert.True(Interlocked.Read(ref EngineCounters.RegexTimeouts) > before, "the timeout was not counted");

        // The same rule still matches ordinary values.
        Assert.True(Matches(set, SpecEvent("CommandLine", "aaaa")));
    }

    [Theory]
    [InlineData(2000)]
    public void Deeply_nested_parentheses(int depth)
    {
        string condition = new string('(', depth) + "selection" + new string(')', depth);
        RuleSet set = RuleLoader.LoadYaml([("deep.yml", Rule(GoodId, $"selection:\n    A: '1'\ncondition: {condition}"))]);
        if (set.Errors.Count > 0)
        {
            // A clear refusal is acceptable: a condition error on the condition's line.
            RuleError error = Assert.Single(set.Errors);
            Assert.Equal("condition", error.ReasonCode);
            Assert.Equal(7, error.Line);
            return;
        }

        Assert.True(Matches(set, SpecEvent("A", "1")));
        Assert.False(Matches(set, SpecEvent("A", "2")));
    }

    [Theory]
    [InlineData(2000)]
    public void Deeply_nested_operators(int depth)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < depth; i++)
        {
            sb.Append("not (b or ");
        }

        sb.Append('a').Append(')', depth);

        // An even number of "not": with b false the whole is a; with b true the innermost level decides.
        RuleSet set = RuleLoader.LoadYaml([("deep.yml", Rule(GoodId, $"a:\n    A: '1'\nb:\n    B: '1'\ncondition: {sb}"))]);
        if (set.Errors.Count > 0)
        {
            RuleError error = Assert.Single(set.Errors);
            Assert.Equal("condition", error.ReasonCode);
            return;
        }

        Assert.True(Matches(set, SpecEvent("A", "1")));
        Assert.False(Matches(set, SpecEvent("A", "0")));
    }

    // Beyond a few thousand levels the recursive-descent parser, the compiler and the matchers exhaust the stack
    // (about 13,400 nested parentheses on an 8 MB stack, fewer on smaller thread stacks).
    [Theory]
    [InlineData(20_000)]
    public void Very_deeply_nested_parentheses_are_refused_not_a_stack_overflow(int depth) => Deeply_nested_parentheses(depth);

    // YAML aliases multiply: ten aliases of ten aliases … of ten strings is 10^9 strings in a few hundred bytes.
    // The loader must not expand them (falsepositives items that are maps are rendered with ToString()).
    [Fact]
    public async Task Alias_bomb_does_not_expand()
    {
        var sb = new StringBuilder("title: Laughs\nid: c0ffee00-0000-4000-8000-0000000000bd\nlogsource: {}\n");
        sb.Append("l0: &l0 ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']\n");
        for (int i = 1; i <= 9; i++)
        {
            sb.Append($"l{i}: &l{i} [").AppendJoin(", ", Enumerable.Repeat($"*l{i - 1}", 10)).Append("]\n");
        }

        sb.Append("falsepositives:\n    - laugh: *l9\n");
        sb.Append("detection:\n    selection:\n        A: '1'\n    condition: selection\n");
        var load = Task.Run(() => RuleLoader.LoadYaml([("laughs.yml", sb.ToString())]));
        Task first = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(first == load, "the alias bomb was expanded");
    }

    [Fact]
    public void Good_rule_loads_and_matches_among_bad_ones()
    {
        RuleSet set = RuleLoader.LoadYaml(
        [
            ("good.yml", Rule(GoodId, "selection:\n    Image|endswith: '\\evil.exe'\ncondition: selection")),
            ("yaml.yml", "title: Broken\nid: c0ffee00-0000-4000-8000-0000000000c1\ndetection: [\n"),
            ("modifier.yml", Rule("c0ffee00-0000-4000-8000-0000000000c2", "selection:\n    Image|nosuch: 'x'\ncondition: selection")),
            ("regex.yml", Rule("c0ffee00-0000-4000-8000-0000000000c3", "selection:\n    Image|re: '[z-a]'\ncondition: selection")),
            ("cond.yml", Rule("c0ffee00-0000-4000-8000-0000000000c4", "selection:\n    Image: 'x'\ncondition: selection and missing")),
            ("notitle.yml", "id: c0ffee00-0000-4000-8000-0000000000c5\nlogsource: {}\ndetection:\n    selection:\n        Image: 'x'\n    condition: selection\n"),
            ("dup.yml", Rule(GoodId, "selection:\n    Image: 'dup'\ncondition: selection", "Duplicate")),
        ]);

        SigmaRule good = Assert.Single(set.Rules);
        Assert.Equal(GoodId, good.Id);
        Assert.Equal("Rule", good.Title);
        Assert.True(Matches(set, SpecEvent("Image", @"C:\tmp\evil.exe")));
        Assert.False(Matches(set, SpecEvent("Image", "dup")));

        var byFile = set.Errors.ToDictionary(e => e.File);
        Assert.Equal(6, set.Errors.Count);
        AssertError(byFile["yaml.yml"], null, "yaml", null);
        AssertError(byFile["modifier.yml"], "c0ffee00-0000-4000-8000-0000000000c2", "unknown-modifier", 6);
        AssertError(byFile["regex.yml"], "c0ffee00-0000-4000-8000-0000000000c3", "bad-regex", 6);
        AssertError(byFile["cond.yml"], "c0ffee00-0000-4000-8000-0000000000c4", "condition", 7);
        AssertError(byFile["notitle.yml"], "c0ffee00-0000-4000-8000-0000000000c5", "schema", 1);
        AssertError(byFile["dup.yml"], GoodId, "duplicate-id", 1);
        Assert.Equal(1, set.Report.DetectionRules);
        Assert.Equal(6, set.Report.Failed);
    }

    private static void AssertError(RuleError error, string? id, string reason, int? line)
    {
        Assert.Equal(id, error.RuleId);
        Assert.Equal(reason, error.ReasonCode);
        if (line is { } l)
        {
            Assert.Equal(l, error.Line);
        }
        else
        {
            Assert.True(error.Line > 0, "a YAML error names a line");
        }
    }

    private static FlatEvent SpecEvent(string field, string value)
    {
        var e = new FlatEvent();
        e.Set(field, value);
        return e;
    }
}
