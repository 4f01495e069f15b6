using BenchmarkDotNet.Attributes;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Bench;

/// <summary>
/// BenchmarkDotNet view of the match path, mainly for its allocation figures: with
/// <c>OperationsPerInvoke</c> set to the event count, "Allocated" is bytes per event.
/// Public and unsealed because BenchmarkDotNet derives its runner type from this class.
/// </summary>
[MemoryDiagnoser]
public class MatchBenchmarks
{
    /// <summary>Events per invocation; smaller than the throughput workload so one invocation stays well under a second.</summary>
    private const int Events = 5_000;

    /// <summary>The naive path is ~20x slower; a 500-event prefix (same mix, originals included) keeps it to about a second per invocation.</summary>
    private const int NaiveEvents = 500;

    private FlatEvent[] _events = [];
    private MatchSession _session = null!;
    private NaiveMatcher _naive = null!;
    private readonly List<SigmaRule> _matches = new(64);

    [Params("process-creation", "mix")]
    public string Workload { get; set; } = "process-creation";

    [GlobalSetup]
    public void Setup()
    {
        string root = SigmaHq.RequireRoot();
        RuleSet set = SigmaHq.LoadRules(root);
        var engine = new SigmaEngine(set);
        _events = Workloads.Build(Workload, SigmaHq.RegressionEvents(root), Events).Events;
        _session = engine.CreateSession();
        _naive = new NaiveMatcher(engine);

        // Build the lazy rule groups outside the measurement.
        foreach (FlatEvent e in _events)
        {
            _matches.Clear();
            _session.Match(e, _matches);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "pre-filter, per event")]
    public int PreFiltered()
    {
        int found = 0;
        foreach (FlatEvent e in _events)
        {
            _matches.Clear();
            found += _session.Match(e, _matches);
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = NaiveEvents, Description = "naive (every rule of the group), per event")]
    public int Naive()
    {
        int found = 0;
        foreach (FlatEvent e in _events.AsSpan(0, NaiveEvents))
        {
            _matches.Clear();
            found += _naive.Match(e, _matches);
        }

        return found;
    }
}
