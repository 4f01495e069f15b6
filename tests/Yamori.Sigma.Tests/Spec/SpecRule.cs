using System.Text;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.Spec;

/// <summary>
/// One detection rule built from a <c>detection:</c> snippet (written without its own indentation), loaded
/// through the public loader and matched through the public engine, as a rule file would be.
/// The rule has <c>logsource: {}</c>, so it applies to every event.
/// </summary>
public sealed class SpecRule
{
    public const string RuleId = "5bd1d8b4-6b2c-4c4e-9b7e-5dc0a1e0c001";

    public const string FileName = "spec.yml";

    /// <summary>YAML line of the first snippet line: title, id, logsource and <c>detection:</c> come first.</summary>
    public const int FirstDetectionLine = 5;

    private readonly MatchSession _session;
    private readonly List<SigmaRule> _matches = [];

    private SpecRule(RuleSet set)
    {
        Set = set;
        _session = new SigmaEngine(set).CreateSession();
    }

    public RuleSet Set { get; }

    /// <summary>Loads the snippet; the load must succeed with exactly one rule and no error.</summary>
    public static SpecRule Compile(string detection, CompileOptions? options = null)
    {
        RuleSet set = RuleLoader.LoadYaml([(FileName, Yaml(detection))], options);
        Assert.True(set.Errors.Count == 0, "unexpected load errors: " + string.Join("; ", set.Errors));
        Assert.Single(set.Rules);
        return new SpecRule(set);
    }

    /// <summary>Loads the snippet; the load must reject the rule with exactly one error, which is returned.</summary>
    public static RuleError Reject(string detection, CompileOptions? options = null)
    {
        RuleSet set = RuleLoader.LoadYaml([(FileName, Yaml(detection))], options);
        Assert.Empty(set.Rules);
        RuleError error = Assert.Single(set.Errors);
        Assert.Equal(FileName, error.File);
        Assert.Equal(RuleId, error.RuleId);
        return error;
    }

    /// <summary>The complete rule document for a detection snippet.</summary>
    public static string Yaml(string detection, string id = RuleId, string title = "spec rule")
    {
        var sb = new StringBuilder();
        sb.Append("title: ").Append(title).Append('\n');
        sb.Append("id: ").Append(id).Append('\n');
        sb.Append("logsource: {}\n");
        sb.Append("detection:\n");
        foreach (string line in detection.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            sb.Append("    ").Append(line).Append('\n');
        }

        return sb.ToString();
    }

    public bool Matches(FlatEvent e)
    {
        _matches.Clear();
        int n = _session.Match(e, _matches);
        Assert.True(n <= 1, "one rule can match at most once");
        return n == 1;
    }

    /// <summary>Matches an event made of string fields (a null value is an explicit null).</summary>
    public bool Matches(params (string Field, string? Value)[] fields) => Matches(Event(fields));

    /// <summary>Matches an event with a single string field.</summary>
    public bool MatchesField(string field, string? value) => Matches(Event((field, value)));

    /// <summary>An event with one field of an explicit kind (number, boolean, null, array).</summary>
    public static FlatEvent Event(string field, FieldValue value)
    {
        var e = new FlatEvent();
        e.Set(field, value);
        return e;
    }

    public static FlatEvent Event(params (string Field, string? Value)[] fields)
    {
        var e = new FlatEvent();
        foreach ((string field, string? value) in fields)
        {
            e.Set(field, value);
        }

        return e;
    }
}
