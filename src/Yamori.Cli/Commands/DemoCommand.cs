using System.Diagnostics;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Cli.Commands;

/// <summary>
/// <c>yamori demo</c>: until the cloud exists, the product's start command. Loads every SigmaHQ rule
/// and replays SigmaHQ's recorded attacks through the engine, printing what it detects.
/// </summary>
internal static class DemoCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = new Options(args, "sigmahq");
        string? root = options.One("sigmahq") ?? SigmaHqLocator.Find();
        if (root is null || !Directory.Exists(root))
        {
            stderr.WriteLine("yamori demo: SigmaHQ data not found; pass --sigmahq DIR or set YAMORI_SIGMAHQ (normally ../shared/data/sigmahq)");
            return 1;
        }

        RuleSet set = RuleLoader.Load(SigmaHqLocator.DefaultPacks(root));
        stdout.WriteLine($"rules: {set.Report}");
        var engine = new SigmaEngine(set);
        MatchSession session = engine.CreateSession();
        var matches = new List<SigmaRule>();
        var byLevel = new SortedDictionary<SigmaLevel, int>();
        var sw = Stopwatch.StartNew();
        long events = 0;
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "regression_data"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (FlatEvent e in JsonEventReader.ReadAll(File.ReadAllBytes(file), Path.GetFileName(file)))
            {
                events++;
                matches.Clear();
                session.Match(e, matches);
                foreach (SigmaRule r in matches)
                {
                    byLevel[r.Level] = byLevel.TryGetValue(r.Level, out int n) ? n + 1 : 1;
                    if (r.Level >= SigmaLevel.High)
                    {
                        e.TryGetField("Computer", out FieldValue host);
                        stdout.WriteLine($"[{r.Level.ToSigma(),-8}] {e.Timestamp:yyyy-MM-dd HH:mm:ss} {host} {r.Title} ({string.Join(' ', r.AttackTechniques)})");
                    }
                }
            }
        }

        stdout.WriteLine($"events: {events}, matched in {sw.Elapsed.TotalMilliseconds:F0} ms; detections by level: " +
            string.Join(", ", byLevel.Reverse().Select(kv => $"{kv.Key.ToSigma()} {kv.Value}")));
        return 0;
    }
}
