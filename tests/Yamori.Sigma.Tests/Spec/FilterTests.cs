using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.Spec;

/// <summary>
/// sigma-filters-specification.md: "The purpose of Filter rules is to apply the same tuning on many rules with the
/// goal to suppress matches of multiple rules." A filter names its rules (<c>filter.rules</c>) and suppresses
/// their matches on events its selection/condition matches.
/// </summary>
public sealed class FilterTests
{
    private const string RarId = "6f3e2987-db24-4c78-a860-b4f4095a7095";
    private const string JumpHostId = "df0841c0-9846-4e9f-ad8a-7df91571771b";
    private const string UnrelatedId = "0a6b7c1e-3c43-4f7e-8f1b-2f1d0b5f9e11";
    private const string FilterId = "3a9e5d1c-7a7e-4a52-9c5a-2f7e0d3b6a10";

    private static string Rule(string id, string title, string imageSuffix) => $"""
        title: {title}
        id: {id}
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '{imageSuffix}'
            condition: selection
        """;

    // The specification's example filter, with its two rule ids (rar.exe and the jump host login).
    private const string SpecExampleFilter = $"""
        title: Filter Administrator account
        id: {FilterId}
        description: The valid administrator account start with adm_
        logsource:
            category: process_creation
            product: windows
        filter:
            rules:
                - {RarId} # Data Compressed - rar.exe
                - {JumpHostId} # Login on jump host
            selection:
                User|startswith: 'adm_'
            condition: selection
        """;

    private static FlatEvent Process(string image, string user)
    {
        var e = new FlatEvent { Source = new LogSourceHint("windows", "process_creation", null) };
        e.Set("Image", image);
        e.Set("User", user);
        return e;
    }

    private static List<string> MatchIds(SigmaEngine engine, FlatEvent e)
    {
        var matches = new List<SigmaRule>();
        engine.CreateSession().Match(e, matches);
        return matches.ConvertAll(r => r.Id);
    }

    [Fact]
    public void Spec_example_filter_suppresses_only_when_its_selection_matches()
    {
        RuleSet set = RuleLoader.LoadYaml(
        [
            ("rar.yml", Rule(RarId, "Data Compressed - rar.exe", @"\rar.exe")),
            ("jump.yml", Rule(JumpHostId, "Login on jump host", @"\mstsc.exe")),
            ("mf_admin.yml", SpecExampleFilter),
        ]);
        Assert.Empty(set.Errors);
        Assert.Single(set.Filters);
        var engine = new SigmaEngine(set);

        // The filter's selection matches (User starts with adm_): the rule's match is suppressed.
        Assert.Empty(MatchIds(engine, Process(@"C:\Program Files\WinRAR\rar.exe", "adm_alice")));
        Assert.Empty(MatchIds(engine, Process(@"C:\Windows\System32\mstsc.exe", "ADM_bob")));

        // The filter's selection does not match: the rule still fires.
        Assert.Equal([RarId], MatchIds(engine, Process(@"C:\Program Files\WinRAR\rar.exe", "alice")));
        Assert.Equal([JumpHostId], MatchIds(engine, Process(@"C:\Windows\System32\mstsc.exe", "bob_adm_")));
    }

    // The filter "refers to one or multiple Sigma rules where to add the filter": other rules are untouched.
    [Fact]
    public void Filter_does_not_touch_rules_it_does_not_name()
    {
        RuleSet set = RuleLoader.LoadYaml(
        [
            ("rar.yml", Rule(RarId, "Data Compressed - rar.exe", @"\rar.exe")),
            ("jump.yml", Rule(JumpHostId, "Login on jump host", @"\mstsc.exe")),
            ("other.yml", Rule(UnrelatedId, "Unrelated rar rule", @"\rar.exe")),
            ("mf_admin.yml", SpecExampleFilter),
        ]);
        Assert.Empty(set.Errors);
        var engine = new SigmaEngine(set);
        MatchSession session = engine.CreateSession();
        var matches = new List<SigmaRule>();
        session.Match(Process(@"C:\tools\rar.exe", "adm_alice"), matches);
        Assert.Equal([UnrelatedId], matches.ConvertAll(r => r.Id));
        Assert.Equal(1, session.Filtered);
    }

    // A filter's condition is a full Sigma condition ("Read more on the 'detection' field in the Sigma Rules
    // Specification"): here, suppress unless the command line is also suspicious.
    [Fact]
    public void Filter_condition_may_combine_selections()
    {
        string filter = $"""
            title: Filter admins except encoded commands
            id: {FilterId}
            logsource:
                category: process_creation
                product: windows
            filter:
                rules:
                    - {RarId}
                selection:
                    User|startswith: 'adm_'
                keep:
                    CommandLine|contains: ' -enc '
                condition: selection and not keep
            """;
        RuleSet set = RuleLoader.LoadYaml([("rar.yml", Rule(RarId, "Data Compressed - rar.exe", @"\rar.exe")), ("mf.yml", filter)]);
        Assert.Empty(set.Errors);
        var engine = new SigmaEngine(set);

        FlatEvent quiet = Process(@"C:\rar.exe", "adm_alice");
        quiet.Set("CommandLine", "rar a x.rar y");
        FlatEvent loud = Process(@"C:\rar.exe", "adm_alice");
        loud.Set("CommandLine", "rar a -hp x.rar y && powershell -enc AAAA");
        Assert.Empty(MatchIds(engine, quiet));
        Assert.Equal([RarId], MatchIds(engine, loud));
    }

    // A filter that names a rule that is not loaded: the reference is reported (reason "filter-target", with the
    // filter's file, line and id); the filter still applies to the rules that are loaded, and everything else loads.
    [Fact]
    public void Filter_naming_an_absent_rule_is_reported_and_the_rest_still_loads()
    {
        RuleSet set = RuleLoader.LoadYaml(
        [
            ("rar.yml", Rule(RarId, "Data Compressed - rar.exe", @"\rar.exe")),
            ("other.yml", Rule(UnrelatedId, "Unrelated rule", @"\7z.exe")),
            ("mf_admin.yml", SpecExampleFilter),
        ]);

        RuleError error = Assert.Single(set.Errors);
        Assert.Equal("filter-target", error.ReasonCode);
        Assert.Equal("mf_admin.yml", error.File);
        Assert.Equal(1, error.Line);
        Assert.Equal(FilterId, error.RuleId);
        Assert.Contains(JumpHostId, error.Message, StringComparison.Ordinal);

        Assert.Equal(2, set.Rules.Count);
        Assert.Single(set.Filters);
        var engine = new SigmaEngine(set);
        Assert.Empty(MatchIds(engine, Process(@"C:\rar.exe", "adm_alice")));
        Assert.Equal([RarId], MatchIds(engine, Process(@"C:\rar.exe", "alice")));
        Assert.Equal([UnrelatedId], MatchIds(engine, Process(@"C:\7z.exe", "adm_alice")));
    }

    [Fact]
    public void Filter_in_a_multi_document_file_reports_its_own_line()
    {
        string yaml = Rule(RarId, "Data Compressed - rar.exe", @"\rar.exe") + "\n---\n" + SpecExampleFilter;
        RuleSet set = RuleLoader.LoadYaml([("bundle.yml", yaml)]);
        RuleError error = Assert.Single(set.Errors);
        Assert.Equal("filter-target", error.ReasonCode);
        Assert.Equal("bundle.yml", error.File);
        int filterLine = Array.IndexOf(yaml.Split('\n'), "title: Filter Administrator account") + 1;
        Assert.Equal(filterLine, error.Line);
        Assert.Single(set.Rules);
    }

    // "rules: Use: mandatory" and "selection: Use: mandatory" and "condition: Use: mandatory".
    [Theory]
    [InlineData("rules")]
    [InlineData("condition")]
    public void Filter_without_a_mandatory_part_is_rejected(string missing)
    {
        string filter = SpecExampleFilter;
        filter = missing switch
        {
            "rules" => filter.Replace($"    rules:\n        - {RarId} # Data Compressed - rar.exe\n        - {JumpHostId} # Login on jump host\n", string.Empty, StringComparison.Ordinal),
            _ => filter.Replace("    condition: selection", string.Empty, StringComparison.Ordinal),
        };
        Assert.DoesNotContain(missing + ":", filter, StringComparison.Ordinal);
        RuleSet set = RuleLoader.LoadYaml([("rar.yml", Rule(RarId, "Data Compressed - rar.exe", @"\rar.exe")), ("mf.yml", filter)]);
        RuleError error = Assert.Single(set.Errors);
        Assert.Equal("mf.yml", error.File);
        Assert.Equal(FilterId, error.RuleId);
        Assert.Empty(set.Filters);
        Assert.Single(set.Rules);
    }
}
