using System.Diagnostics;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Matching;

namespace Yamori.Bench;

/// <summary>
/// <c>probe</c>: where the time and the allocations of the match path go. It replays the session's
/// steps (group lookup, literal scan, candidate evaluation) one at a time with a timestamp and an
/// allocation reading around each, and charges candidate evaluations to their rule. The readings
/// slow everything down, so only the shares are meaningful, not the absolute rate. With
/// <c>--threads 2</c> the same replay runs on two threads at once, to expose costs that only
/// appear under concurrency (shared caches, contended state).
/// </summary>
internal static class Probe
{
    private sealed class Tally
    {
        public Dictionary<string, (long Ticks, long Bytes)> Phases { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (long Ticks, long Bytes, long Count)> Rules { get; } = new(StringComparer.Ordinal);

        public void Phase(string phase, long ticks, long bytes)
        {
            (long t, long b) = Phases.TryGetValue(phase, out var p) ? p : default;
            Phases[phase] = (t + ticks, b + bytes);
        }

        public void Rule(string title, long ticks, long bytes)
        {
            (long t, long b, long n) = Rules.TryGetValue(title, out var r) ? r : default;
            Rules[title] = (t + ticks, b + bytes, n + 1);
        }

        public void Add(Tally other)
        {
            foreach ((string k, (long t, long b)) in other.Phases)
            {
                Phase(k, t, b);
            }

            foreach ((string k, (long t, long b, long n)) in other.Rules)
            {
                (long t0, long b0, long n0) = Rules.TryGetValue(k, out var r) ? r : default;
                Rules[k] = (t0 + t, b0 + b, n0 + n);
            }
        }
    }

    public static int Run(string[] args)
    {
        int count = Args.Int(args, "--events", 5_000);
        int threads = Args.Int(args, "--threads", 1);
        string root = SigmaHq.RequireRoot();
        var engine = new SigmaEngine(SigmaHq.LoadRules(root));
        var regression = SigmaHq.RegressionEvents(root);
        foreach (string name in new[] { "process-creation", "mix" })
        {
            Workload w = Workloads.Build(name, regression, count);
            Replay(engine, w, new Tally(), record: false);
            var tallies = new Tally[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => Replay(engine, w, tallies[t] = new Tally(), record: true));
            var total = new Tally();
            foreach (Tally t in tallies)
            {
                total.Add(t);
            }

            Print(name, (long)count * threads, total);
        }

        return 0;
    }

    private static void Replay(SigmaEngine engine, Workload w, Tally tally, bool record)
    {
        ulong[] bits = new ulong[64];
        foreach (FlatEvent e in w.Events)
        {
            long t0 = Stopwatch.GetTimestamp(), a0 = GC.GetAllocatedBytesForCurrentThread();
            RuleGroup group = engine.GroupFor(e);
            long t1 = Stopwatch.GetTimestamp(), a1 = GC.GetAllocatedBytesForCurrentThread();
            if (bits.Length < group.Words)
            {
                bits = new ulong[group.Words];
            }

            Array.Copy(group.AlwaysBits, bits, group.Words);
            foreach (FieldScanner scanner in group.Scanners)
            {
                if (e.TryGetField(scanner.Field, out FieldValue v) && v.Text is not null)
                {
                    scanner.Automaton.Mark(v.Text, bits);
                }
            }

            long t2 = Stopwatch.GetTimestamp(), a2 = GC.GetAllocatedBytesForCurrentThread();
            if (record)
            {
                tally.Phase("group lookup (SigmaEngine.GroupFor)", t1 - t0, a1 - a0);
                tally.Phase("literal scan (AhoCorasick.Mark)", t2 - t1, a2 - a1);
            }

            for (int i = 0; i < group.Members.Length; i++)
            {
                if ((bits[i >> 6] & (1UL << (i & 63))) == 0)
                {
                    continue;
                }

                GroupMember member = group.Members[i];
                t0 = Stopwatch.GetTimestamp();
                a0 = GC.GetAllocatedBytesForCurrentThread();
                member.Rule.Root.Match(new EvalContext(e, member.Names));
                long dt = Stopwatch.GetTimestamp() - t0, da = GC.GetAllocatedBytesForCurrentThread() - a0;
                if (record)
                {
                    tally.Phase("candidate evaluation (CompiledRule.Root.Match)", dt, da);
                    tally.Rule(member.Rule.Rule.Title, dt, da);
                }
            }
        }
    }

    private static void Print(string name, long events, Tally tally)
    {
        long total = tally.Phases.Values.Sum(p => p.Ticks);
        double Us(long ticks) => ticks * 1e6 / Stopwatch.Frequency / events;
        Console.WriteLine($"\n{name} ({events:N0} events replayed): share of match time, time and bytes per event");
        foreach ((string phase, (long ticks, long bytes)) in tally.Phases)
        {
            Console.WriteLine($"  {phase,-48} {100.0 * ticks / total,5:F1}%  {Us(ticks),7:F1} us  {(double)bytes / events,7:F1} B");
        }

        Console.WriteLine("  costliest candidate rules:");
        foreach ((string title, (long ticks, long bytes, long n)) in tally.Rules.OrderByDescending(kv => kv.Value.Ticks).Take(8))
        {
            Console.WriteLine($"    {100.0 * ticks / total,5:F1}%  {n,6} evals  {(double)bytes / n,7:F0} B/eval  {title}");
        }

        Console.WriteLine("  allocating candidate rules:");
        foreach ((string title, (long _, long bytes, long n)) in tally.Rules.Where(kv => kv.Value.Bytes > 0).OrderByDescending(kv => kv.Value.Bytes).Take(6))
        {
            Console.WriteLine($"    {bytes,10:N0} B over {n,5} evals ({(double)bytes / n,6:F0} B/eval): {title}");
        }
    }
}
