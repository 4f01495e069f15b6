using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Agent.Detection;

/// <summary>
/// The agent's own Sigma engine on a configured subset of rules, so a host that is offline
/// (telework, an outage) still raises alerts at once; they wait in the spool at the highest
/// priority and leave it first when the link returns. The cloud evaluates every rule again on the
/// telemetry, so the local subset trades nothing away.
/// </summary>
public sealed class LocalDetector
{
    private readonly SigmaEngine _engine;
    private readonly MatchSession _session;
    private readonly List<SigmaRule> _matches = [];
    private readonly Lock _gate = new();

    public LocalDetector(RuleSet rules)
    {
        _engine = new SigmaEngine(rules);
        _session = _engine.CreateSession();
    }

    public int RuleCount => _engine.Rules.Rules.Count;

    public long Alerts { get; private set; }

    public static LocalDetector? Load(IReadOnlyList<string> paths, out RuleSet? loaded)
    {
        loaded = null;
        if (paths.Count == 0)
        {
            return null;
        }

        loaded = RuleLoader.Load(paths);
        return new LocalDetector(loaded);
    }

    /// <summary>Alert events for every rule that matches <paramref name="observed"/> (none: an empty list, not allocated).</summary>
    public IReadOnlyList<FlatEvent> Evaluate(FlatEvent observed)
    {
        // Collectors publish from several threads; one session behind a lock is cheaper than one per thread at agent rates.
        lock (_gate)
        {
            _matches.Clear();
            if (_session.Match(observed, _matches) == 0)
            {
                return [];
            }

            var alerts = new FlatEvent[_matches.Count];
            for (int i = 0; i < alerts.Length; i++)
            {
                alerts[i] = ToAlert(_matches[i], observed);
            }

            Alerts += alerts.Length;
            return alerts;
        }
    }

    /// <summary>
    /// An alert carries the rule and every field of the event that triggered it, under the
    /// <c>yamori/agent_alert</c> logsource, which no Sigma rule targets (the cloud does not
    /// re-detect on an alert).
    /// </summary>
    private static FlatEvent ToAlert(SigmaRule rule, FlatEvent observed)
    {
        var alert = new FlatEvent
        {
            Source = new LogSourceHint("yamori", "agent_alert", null),
            Timestamp = observed.Timestamp,
        };
        alert.Set("RuleId", rule.Header.Id);
        alert.Set("RuleTitle", rule.Header.Title);
        alert.Set("RuleLevel", rule.Header.Level.ToSigma());
        if (rule.Header.Tags.Count > 0)
        {
            alert.Set("RuleTags", new FieldValue([.. rule.Header.Tags]));
        }

        alert.Set("SourceProduct", observed.Source.Product);
        alert.Set("SourceCategory", observed.Source.Category);
        for (int i = 0; i < observed.FieldCount; i++)
        {
            FieldValue value = observed.GetFieldAt(i, out string name);
            alert.Set("Event." + name, value);
        }

        return alert;
    }
}
