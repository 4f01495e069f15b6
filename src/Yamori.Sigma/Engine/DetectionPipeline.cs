using Yamori.Sigma.Correlation;
using Yamori.Sigma.Events;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Engine;

/// <summary>
/// Detection for one time-ordered stream: rule matching, then correlations over the matches.
/// Rules that only feed correlations (<c>generate: false</c>, the default) are not reported on their
/// own. Not thread-safe: one pipeline per stream (per tenant, per scan).
/// </summary>
public sealed class DetectionPipeline
{
    private readonly MatchSession _session;
    private readonly CorrelationEngine? _correlations;
    private readonly List<SigmaRule> _matched = [];

    public DetectionPipeline(SigmaEngine engine, CorrelationOptions? options = null)
    {
        _session = engine.CreateSession();
        _correlations = engine.Rules.CreateCorrelationEngine(options);
    }

    public MatchSession Session => _session;

    public CorrelationEngine? Correlations => _correlations;

    /// <summary>
    /// Matches one event. Appends reportable rule matches to <paramref name="rules"/> and any
    /// correlation that fired to <paramref name="correlations"/>.
    /// </summary>
    public void Process(ISigmaEvent evt, string eventRef, List<SigmaRule> rules, List<CorrelationMatch> correlations)
    {
        _matched.Clear();
        _session.Match(evt, _matched);
        if (_correlations is null)
        {
            rules.AddRange(_matched);
            return;
        }

        DateTimeOffset ts = evt.Timestamp ?? DateTimeOffset.UtcNow;
        int before = correlations.Count;
        if (_matched.Count == 0)
        {
            _correlations.AdvanceTo(ts, correlations);
        }

        foreach (SigmaRule rule in _matched)
        {
            _correlations.Observe(rule, evt, eventRef, ts, correlations);
            if (!_correlations.SuppressesOwnMatches(rule))
            {
                rules.Add(rule);
            }
        }

        HideSuppressed(correlations, before);
    }

    /// <summary>End of input: judges windows still open and appends correlations that fire.</summary>
    public void Flush(List<CorrelationMatch> correlations)
    {
        if (_correlations is not null)
        {
            int before = correlations.Count;
            _correlations.Flush(correlations);
            HideSuppressed(correlations, before);
        }
    }

    /// <summary>Correlations that only feed other correlations are not reported on their own.</summary>
    private void HideSuppressed(List<CorrelationMatch> correlations, int from)
    {
        for (int i = correlations.Count - 1; i >= from; i--)
        {
            if (_correlations!.SuppressesOwnMatches(correlations[i].Rule))
            {
                correlations.RemoveAt(i);
            }
        }
    }
}
