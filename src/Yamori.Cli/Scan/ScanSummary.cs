using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Cli.Scan;

/// <summary>The end-of-scan summary an analyst reads first.</summary>
public sealed class ScanSummary
{
    public long Events { get; set; }

    public long Bytes { get; set; }

    public int Files { get; set; }

    public TimeSpan Elapsed { get; set; }

    public DateTimeOffset? First { get; set; }

    public DateTimeOffset? Last { get; set; }

    public List<(string File, string Reason)> FailedFiles { get; } = [];

    /// <summary>Files that were read, but from which the decoder could not recover every record.</summary>
    public int DamagedFiles { get; set; }

    /// <summary>Damage found inside otherwise readable files (bad checksums, skipped records).</summary>
    public List<(string File, string Problem)> Warnings { get; } = [];

    public required LoadReport Rules { get; init; }

    public void Observe(DateTimeOffset? t)
    {
        if (t is not { } ts)
        {
            return;
        }

        if (First is null || ts < First)
        {
            First = ts;
        }

        if (Last is null || ts > Last)
        {
            Last = ts;
        }
    }

    public void Write(TextWriter w, IReadOnlyList<TimelineRow> rows)
    {
        w.WriteLine();
        w.WriteLine("== yamori scan summary ==");
        w.WriteLine($"files: {Files} ({Bytes / 1048576.0:F1} MiB), events scanned: {Events:N0}, time: {Elapsed.TotalSeconds:F2} s ({(Elapsed.TotalSeconds > 0 ? Events / Elapsed.TotalSeconds : 0):N0} events/s)");
        w.WriteLine($"rules: {Rules.DetectionRules} detection, {Rules.Correlations} correlation, {Rules.Filters} filter loaded; {Rules.Failed} failed");
        w.WriteLine($"events from {Format(First)} to {Format(Last)}");
        var byLevel = new SortedDictionary<SigmaLevel, int>(Comparer<SigmaLevel>.Create((a, b) => b.CompareTo(a)));
        var byRule = new Dictionary<string, int>(StringComparer.Ordinal);
        var byHost = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (TimelineRow r in rows)
        {
            byLevel[r.Level] = byLevel.GetValueOrDefault(r.Level) + 1;
            byRule[r.RuleTitle] = byRule.GetValueOrDefault(r.RuleTitle) + 1;
            if (r.Computer.Length > 0)
            {
                byHost[r.Computer] = byHost.GetValueOrDefault(r.Computer) + 1;
            }
        }

        w.WriteLine($"detections: {rows.Count:N0}" + (rows.Count == 0 ? string.Empty : " (" + string.Join(", ", byLevel.Select(kv => $"{kv.Key.ToSigma()} {kv.Value}")) + ")"));
        WriteTop(w, "top rules", byRule);
        WriteTop(w, "top hosts", byHost);
        if (DamagedFiles > 0)
        {
            w.WriteLine($"files with records that could not be recovered: {DamagedFiles}");
        }

        foreach ((string file, string problem) in Warnings)
        {
            w.WriteLine($"damaged: {file}: {problem}");
        }

        foreach ((string file, string reason) in FailedFiles)
        {
            w.WriteLine($"failed: {file}: {reason}");
        }
    }

    private static void WriteTop(TextWriter w, string title, Dictionary<string, int> counts)
    {
        if (counts.Count == 0)
        {
            return;
        }

        w.WriteLine($"{title}:");
        foreach (KeyValuePair<string, int> kv in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(10))
        {
            w.WriteLine($"  {kv.Value,7:N0}  {kv.Key}");
        }
    }

    private static string Format(DateTimeOffset? t) => t?.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "-";
}
