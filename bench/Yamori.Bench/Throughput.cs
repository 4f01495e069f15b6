using System.Diagnostics;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Rules;

namespace Yamori.Bench;

/// <summary>What one full pass over a workload does, counted exactly (independent of timing).</summary>
internal sealed record PassCounts(double MatchesPerThousand, double EvaluationsPerEvent, double NaiveEvaluationsPerEvent);

/// <summary>One timed measurement: several rounds of the same loop; rates are events per second of wall time.</summary>
internal sealed record Measurement(string Workload, string Mode, int Threads, double[] Rates, long Events, long AllocatedBytes)
{
    /// <summary>The median round: the figure quoted. The machine is shared, so single rounds can be disturbed.</summary>
    public double EventsPerSecond => Rates.Order().ElementAt(Rates.Length / 2);

    /// <summary>The best round: closest to what the code does when nothing else runs.</summary>
    public double Best => Rates.Max();

    public double PerCore => EventsPerSecond / Threads;

    public double BytesPerEvent => (double)AllocatedBytes / Events;
}

/// <summary>
/// The custom throughput measurement. BenchmarkDotNet is thorough but slow; this gives every figure
/// in docs/performance.md in one short, deterministic run: fixed workloads, a warm-up that builds
/// every lazy rule group and lets tiered JIT promote the hot loop, then interleaved timed rounds.
/// </summary>
internal static class Throughput
{
    /// <summary>Tier-0 code is promoted after a short delay in the background; one second of warm-up covers it.</summary>
    private static readonly TimeSpan MinWarmup = TimeSpan.FromSeconds(1);

    /// <summary>Events between deadline checks: the naive path is too slow to insist on whole passes.</summary>
    private const int Chunk = 500;

    public static int Run(string[] args)
    {
        double seconds = Args.Double(args, "--seconds", 3);
        int rounds = Args.Int(args, "--rounds", 3);
        int count = Args.Int(args, "--events", Workloads.DefaultCount);
        string which = Args.String(args, "--workload", "all");
        string root = SigmaHq.RequireRoot();

        Console.WriteLine(Machine.Describe());
        double ceiling = Calibration.ParallelCeiling();
        Console.WriteLine($"machine: 2-thread ceiling of a pure compute loop {ceiling:F2}x (2.00 = two full cores)");
        var set = SigmaHq.LoadRules(root);
        Console.WriteLine($"rules: {set.Report.Loaded} loaded ({set.Report.DetectionRules} detection), {set.Report.Failed} failed, load {set.Report.Elapsed.TotalMilliseconds:F0} ms");
        List<string> peers = Peer.OnPath();
        Console.WriteLine(peers.Count == 0 ? "peers: no hayabusa/chainsaw/zircolite on PATH; hayabusa is quoted from its published figure" : $"peers on PATH (not driven by this bench): {string.Join(", ", peers)}");
        List<FlatEvent> regression = SigmaHq.RegressionEvents(root);
        string[] names = which == "all" ? ["process-creation", "mix"] : [which];
        var engine = new SigmaEngine(set);
        var results = new List<Measurement>();
        var counts = new Dictionary<string, PassCounts>();
        foreach (string name in names)
        {
            Workload w = Workloads.Build(name, regression, count);
            Console.WriteLine($"\n{w.Name}: {w.Events.Length:N0} events ({w.Originals} unmodified regression events); {rounds} rounds of {seconds} s per measurement");
            counts[name] = Warm(engine, w);
            (string Mode, int Threads, Func<IEventMatcher> Create)[] configs =
            [
                ("pre-filter", 1, () => new PreFilteredMatcher(engine)),
                ("pre-filter", 2, () => new PreFilteredMatcher(engine)),
                ("naive", 1, () => new NaiveMatcher(engine)),
            ];
            var byRound = new (double Rate, long Events, long Allocated)[configs.Length, rounds];
            for (int round = 0; round < rounds; round++)
            {
                // Rounds interleave the configurations, so a neighbour's burst on this shared machine
                // disturbs all of them alike instead of skewing one ratio.
                for (int c = 0; c < configs.Length; c++)
                {
                    byRound[c, round] = Round(w, configs[c].Threads, seconds, configs[c].Create);
                }
            }

            for (int c = 0; c < configs.Length; c++)
            {
                var rates = new double[rounds];
                long events = 0, allocated = 0;
                for (int round = 0; round < rounds; round++)
                {
                    (rates[round], long e, long a) = byRound[c, round];
                    events += e;
                    allocated += a;
                }

                results.Add(new Measurement(w.Name, configs[c].Mode, configs[c].Threads, rates, events, allocated));
                Console.WriteLine($"  {configs[c].Mode,-10} x{configs[c].Threads}: {string.Join("  ", rates.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))} events/s");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"workload",-17} {"mode",-10} {"threads",7} {"events/s",10} {"best",10} {"per core",10} {"matches/1k",10} {"evals/event",11} {"bytes/event",11}");
        foreach (Measurement r in results)
        {
            PassCounts c = counts[r.Workload];
            double evals = r.Mode == "naive" ? c.NaiveEvaluationsPerEvent : c.EvaluationsPerEvent;
            Console.WriteLine($"{r.Workload,-17} {r.Mode,-10} {r.Threads,7} {r.EventsPerSecond,10:N0} {r.Best,10:N0} {r.PerCore,10:N0} {c.MatchesPerThousand,10:F2} {evals,11:F2} {r.BytesPerEvent,11:F1}");
        }

        Console.WriteLine();
        foreach (string name in names)
        {
            Measurement fast = results.Single(r => r.Workload == name && r.Mode == "pre-filter" && r.Threads == 1);
            Measurement two = results.Single(r => r.Workload == name && r.Mode == "pre-filter" && r.Threads == 2);
            Measurement naive = results.Single(r => r.Workload == name && r.Mode == "naive");
            Console.WriteLine($"{name}: pre-filter speedup {fast.EventsPerSecond / naive.EventsPerSecond:F1}x over evaluating every rule of the group (same run); " +
                $"2-thread scaling {two.EventsPerSecond / fast.EventsPerSecond:F2}x (machine ceiling {ceiling:F2}x); " +
                $"per core vs hayabusa's published ~{Peer.HayabusaPublishedEventsPerSecond:N0} events/s (a published figure, not measured here): {fast.PerCore / Peer.HayabusaPublishedEventsPerSecond:F2}x");
        }

        return 0;
    }

    /// <summary>
    /// One counted pass builds every rule group the workload needs (groups are built lazily, on the
    /// first event of each kind); that cost is reported apart, as it is paid once per process. The
    /// pass also yields the exact per-event counts and lists what matched benign events, since a
    /// benign match is either a workload flaw or a noisy rule.
    /// </summary>
    private static PassCounts Warm(SigmaEngine engine, Workload w)
    {
        MatchSession session = engine.CreateSession();
        var matches = new List<SigmaRule>();
        var benignHits = new Dictionary<string, int>(StringComparer.Ordinal);
        long originalsMatched = 0, benignMatched = 0, found = 0, naiveEvaluations = 0;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < w.Events.Length; i++)
        {
            matches.Clear();
            int n = session.Match(w.Events[i], matches);
            found += n;
            if (n == 0)
            {
                continue;
            }

            if (w.IsOriginal[i])
            {
                originalsMatched++;
                continue;
            }

            benignMatched++;
            foreach (SigmaRule r in matches)
            {
                benignHits[r.Title] = benignHits.TryGetValue(r.Title, out int c) ? c + 1 : 1;
            }
        }

        TimeSpan first = sw.Elapsed;
        var counts = new PassCounts(found * 1000.0 / w.Events.Length, (double)session.Evaluations / w.Events.Length, 0);
        var groups = new Dictionary<RuleGroup, int>();
        foreach (FlatEvent e in w.Events)
        {
            // Without the pre-filter every member of the event's group is evaluated: no need to time that to count it.
            RuleGroup g = engine.GroupFor(e);
            naiveEvaluations += g.Members.Length;
            groups[g] = groups.TryGetValue(g, out int k) ? k + 1 : 1;
        }

        while (sw.Elapsed < MinWarmup)
        {
            foreach (FlatEvent e in w.Events)
            {
                matches.Clear();
                session.Match(e, matches);
            }
        }

        Console.WriteLine($"  first pass (builds lazy rule groups, cold JIT): {first.TotalMilliseconds:F0} ms; groups now {engine.GroupCount}");
        foreach ((RuleGroup g, int n) in groups.OrderByDescending(kv => kv.Value))
        {
            // Members without a literal the pre-filter can index are evaluated on every event of the group.
            Console.WriteLine($"  group {g.Description}: {n:N0} events, {g.Members.Length} rules, {g.AlwaysCount} evaluated on every event (no indexable literal)");
        }

        Console.WriteLine($"  events with a match: {originalsMatched} of {w.Originals} unmodified, {benignMatched} of {w.Events.Length - w.Originals} benign variants");
        foreach ((string title, int n) in benignHits.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(5))
        {
            Console.WriteLine($"    benign hit x{n}: {title}");
        }

        return counts with { NaiveEvaluationsPerEvent = (double)naiveEvaluations / w.Events.Length };
    }

    /// <summary>
    /// One round: each thread gets its own matcher and walks the workload round-robin until the
    /// deadline; allocation is read per thread around its own loop, so it counts exactly the match
    /// path's garbage. The aggregate rate is all events over the slowest thread's time.
    /// </summary>
    private static (double Rate, long Events, long Allocated) Round(Workload w, int threads, double seconds, Func<IEventMatcher> create)
    {
        var perThread = new (long Events, long Allocated, TimeSpan Elapsed)[threads];
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;

            // Threads start half a workload apart so they do not walk the same events in lockstep.
            workers[t] = new Thread(() => perThread[id] = Loop(w.Events, create(), start, seconds, offset: id * w.Events.Length / threads))
            {
                IsBackground = true,
                Name = $"bench-{id}",
            };
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        long events = perThread.Sum(p => p.Events);
        return (events / perThread.Max(p => p.Elapsed).TotalSeconds, events, perThread.Sum(p => p.Allocated));
    }

    private static (long Events, long Allocated, TimeSpan Elapsed) Loop(FlatEvent[] events, IEventMatcher matcher, Barrier start, double seconds, int offset)
    {
        var matches = new List<SigmaRule>(64);
        long n = 0;
        int i = offset;
        start.SignalAndWait();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long t0 = Stopwatch.GetTimestamp();
        long deadline = t0 + (long)(seconds * Stopwatch.Frequency);
        long now;
        do
        {
            for (int k = 0; k < Chunk; k++)
            {
                matches.Clear();
                matcher.Match(events[i], matches);
                if (++i == events.Length)
                {
                    i = 0;
                }
            }

            n += Chunk;
            now = Stopwatch.GetTimestamp();
        }
        while (now < deadline);

        return (n, GC.GetAllocatedBytesForCurrentThread() - allocated, Stopwatch.GetElapsedTime(t0, now));
    }
}
