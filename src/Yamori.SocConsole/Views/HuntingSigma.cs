using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Identity;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.SocConsole.Views;

/// <summary>A Sigma rule typed into the hunting page: either compiled, or the parser's errors.</summary>
public sealed record SigmaHuntRules(IReadOnlyList<SigmaRule> Rules, IReadOnlyList<RuleError> Errors, SigmaEngine? Engine)
{
    public bool Ok => Engine is not null;
}

/// <summary>Runs a pasted Sigma rule over history with the cloud's own engine and event flattening.</summary>
public static class HuntingSigma
{
    /// <summary>
    /// The longest rule text accepted: a rule is a few kilobytes, and the text crosses the live
    /// connection, whose messages are limited to 32 KB (8,000 characters stay below it even in Japanese).
    /// </summary>
    public const int MaxYamlChars = 8000;

    /// <summary>
    /// Compiles <paramref name="yaml"/>. Any error (YAML syntax, Sigma schema, a condition that does
    /// not compile) rejects the whole text, so a hunt never silently runs only part of what was written.
    /// </summary>
    public static SigmaHuntRules Compile(string yaml)
    {
        if (yaml.Length > MaxYamlChars)
        {
            return new SigmaHuntRules([], [new RuleError("<rule>", 0, null, "size", $"the rule text is longer than {MaxYamlChars} characters")], null);
        }

        RuleSet set = RuleLoader.LoadYaml([("<rule>", yaml)]);
        if (set.Errors.Count > 0)
        {
            return new SigmaHuntRules(set.Rules, set.Errors, null);
        }

        if (set.Rules.Count == 0)
        {
            // Correlations and filters need a rule stream to act on; alone they find nothing.
            return new SigmaHuntRules([], [new RuleError("<rule>", 0, null, "schema", "the text holds no detection rule (a document with logsource and detection)")], null);
        }

        return new SigmaHuntRules(set.Rules, [], new SigmaEngine(set));
    }

    /// <summary>
    /// Events in the query's range, town, device and type that a compiled rule matches, newest
    /// first. The query's field conditions are ignored: the rule is the condition.
    /// </summary>
    public static Task<HuntResult> RunAsync(this HuntingView view, Actor actor, HuntQuery query, SigmaHuntRules rules, int cap = HuntingView.PageCap, CancellationToken cancellationToken = default)
    {
        SigmaEngine engine = rules.Engine ?? throw new ArgumentException("the rules did not compile", nameof(rules));

        // One session and one reusable event: the scan runs sequentially, never on two threads at once.
        MatchSession session = engine.CreateSession();
        var flat = new FlatEvent();
        var matches = new List<SigmaRule>();
        return view.ScanAsync(actor, query, Match, HuntingFields.KeyFields, cap, cancellationToken);

        bool Match(StoredEvent stored, out string? note)
        {
            TelemetryFlattener.Fill(flat, stored.Event);
            matches.Clear();
            note = session.Match(flat, matches) > 0 ? string.Join(", ", matches.Select(r => r.Title)) : null;
            return note is not null;
        }
    }
}
