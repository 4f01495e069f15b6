using System.Text;
using Yamori.Sigma.Parsing;

namespace Yamori.Sigma.Loading;

/// <summary>What a load did: counts by outcome and by failure reason, every error, and how long it took.</summary>
public sealed record LoadReport
{
    public int Files { get; init; }

    public int Documents { get; init; }

    public int DetectionRules { get; init; }

    public int Correlations { get; init; }

    public int Filters { get; init; }

    public IReadOnlyList<RuleError> Errors { get; init; } = [];

    public TimeSpan Elapsed { get; init; }

    public int Loaded => DetectionRules + Correlations + Filters;

    public int Failed => Errors.Count;

    public IReadOnlyDictionary<string, int> FailuresByReason
    {
        get
        {
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (RuleError e in Errors)
            {
                counts[e.ReasonCode] = counts.TryGetValue(e.ReasonCode, out int n) ? n + 1 : 1;
            }

            return counts;
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append($"files: {Files}, documents: {Documents}, loaded: {Loaded} (detection {DetectionRules}, correlation {Correlations}, filter {Filters}), failed: {Failed}, time: {Elapsed.TotalMilliseconds:F0} ms");
        foreach ((string reason, int count) in FailuresByReason)
        {
            sb.Append($"\n  {reason}: {count}");
        }

        return sb.ToString();
    }
}
