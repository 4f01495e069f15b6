using System.Diagnostics;
using System.Globalization;
using Yamori.Evtx;
using Yamori.Sigma.Correlation;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Cli.Scan;

/// <summary>
/// Runs every loaded rule over EVTX and JSON files. Work is split into units (one EVTX chunk, or one
/// JSON file) matched in parallel, each thread with its own session; correlations then run over the
/// time-ordered matches of the rules they reference, since they need one ordered stream.
/// </summary>
internal sealed class Scanner(SigmaEngine engine, ScanOptions options, TextWriter stderr)
{
    private readonly CorrelationEngine? _correlations = engine.Rules.CreateCorrelationEngine();

    public ScanProgress Progress { get; } = new();

    public (List<TimelineRow> Rows, ScanSummary Summary) Run()
    {
        var sw = Stopwatch.StartNew();
        var summary = new ScanSummary { Rules = engine.Rules.Report };
        List<ScanInput> inputs = ScanInput.Discover(options.Inputs, summary.FailedFiles);
        foreach ((string file, string reason) in summary.FailedFiles)
        {
            stderr.WriteLine($"yamori scan: {file}: {reason}");
        }

        try
        {
            List<WorkUnit> units = Plan(inputs, summary);
            Progress.Start(inputs.Count, inputs.Sum(i => i.Length));
            var results = new UnitResult[units.Count];
            Parallel.For(
                0,
                units.Count,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads) },
                () => new Worker(engine.CreateSession(), _correlations),
                (i, _, worker) =>
                {
                    results[i] = worker.Run(units[i], options);
                    Progress.Done(units[i], results[i].Events);
                    return worker;
                },
                _ => { });
            return Finish(inputs, units, results, summary, sw);
        }
        finally
        {
            foreach (ScanInput input in inputs)
            {
                input.Dispose();
            }
        }
    }

    private List<WorkUnit> Plan(List<ScanInput> inputs, ScanSummary summary)
    {
        var units = new List<WorkUnit>();
        foreach (ScanInput input in inputs)
        {
            if (!input.IsEvtx)
            {
                units.Add(new WorkUnit(input, -1, LastChunkOfFile: true));
                continue;
            }

            try
            {
                input.Evtx = EvtxFile.Open(input.Path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                summary.FailedFiles.Add((input.Path, ex.Message));
                stderr.WriteLine($"yamori scan: {input.Path}: {ex.Message}");
                continue;
            }

            // Without a valid file header the decoder still looks for intact chunks (a damaged or
            // carved log); only when none yields a record is the file reported as not EVTX.
            foreach (EvtxDiagnostic d in input.Evtx.Diagnostics)
            {
                if (d.Severity != EvtxSeverity.Info)
                {
                    input.Problems.Add(d.ToString());
                    input.LostData |= LosesData(d);
                }
            }

            int chunks = Math.Max(1, input.Evtx.ChunkSlotCount);
            for (int c = 0; c < chunks; c++)
            {
                units.Add(new WorkUnit(input, c, LastChunkOfFile: c == chunks - 1));
            }
        }

        return units;
    }

    private (List<TimelineRow>, ScanSummary) Finish(List<ScanInput> inputs, List<WorkUnit> units, UnitResult[] results, ScanSummary summary, Stopwatch sw)
    {
        var rows = new List<TimelineRow>();
        var observations = new List<Observation>();
        for (int i = 0; i < results.Length; i++)
        {
            UnitResult r = results[i];
            ScanInput input = units[i].Input;
            summary.Events += r.Events;
            summary.Observe(r.First);
            summary.Observe(r.Last);
            rows.AddRange(r.Rows);
            observations.AddRange(r.Observations);
            input.Events += r.Records;
            input.Failure ??= r.Failure;
            input.Problems.AddRange(r.Warnings);
            input.LostData |= r.LostData;
        }

        foreach (ScanInput input in inputs)
        {
            if (input.Failure is null && input.IsEvtx && input.Evtx?.Header is null && input.Events == 0)
            {
                input.Failure = "not an EVTX file (no ElfFile signature and no readable chunk)";
                input.Problems.Clear();
            }

            if (input.Failure is { } why)
            {
                summary.FailedFiles.Add((input.Path, why));
                stderr.WriteLine($"yamori scan: {input.Path}: {why}");
                continue;
            }

            foreach (string problem in input.Problems)
            {
                summary.Warnings.Add((input.Path, problem));
                stderr.WriteLine($"yamori scan: {input.Path}: {problem}");
            }

            if (input.LostData)
            {
                summary.DamagedFiles++;
            }
        }

        if (_correlations is not null)
        {
            RunCorrelations(observations, rows);
        }

        rows.RemoveAll(r => r.Level < options.MinLevel);

        // The timeline is in time order; ties keep file order, which is stable across runs.
        var ordered = rows.Select((r, i) => (r, i)).OrderBy(x => x.r.Time ?? DateTimeOffset.MinValue).ThenBy(x => x.i).Select(x => x.r).ToList();
        summary.Files = inputs.Count;
        summary.Bytes = inputs.Sum(i => i.Length);
        summary.Elapsed = sw.Elapsed;
        return (ordered, summary);
    }

    private void RunCorrelations(List<Observation> observations, List<TimelineRow> rows)
    {
        var ordered = observations.Select((o, i) => (o, i)).OrderBy(x => x.o.Time).ThenBy(x => x.i).Select(x => x.o);
        var fired = new List<CorrelationMatch>();
        foreach (Observation o in ordered)
        {
            _correlations!.Observe(o.Rule, o.Event, o.Reference, o.Time, fired);
        }

        _correlations!.Flush(fired);
        foreach (CorrelationMatch m in fired)
        {
            if (_correlations.SuppressesOwnMatches(m.Rule))
            {
                continue;
            }

            var fields = new List<KeyValuePair<string, string>>(m.GroupBy);
            fields.Add(new("events", m.EventCount.ToString(CultureInfo.InvariantCulture)));
            fields.Add(new("value", m.Value.ToString(CultureInfo.InvariantCulture)));
            rows.Add(new TimelineRow
            {
                Time = m.WindowEnd,
                Computer = m.GroupBy.TryGetValue("Computer", out string? host) ? host : string.Empty,
                RuleTitle = m.Rule.Title,
                RuleId = m.Rule.Id,
                Level = m.Rule.Level,
                Techniques = m.Rule.AttackTechniques,
                Fields = fields,
                Source = string.Join(" ", m.EventRefs.Take(5)) + (m.EventRefs.Count > 5 ? " …" : string.Empty),
                IsCorrelation = true,
            });
        }
    }

    /// <summary>Diagnostics that mean records were lost, not merely that a checksum or flag looked wrong.</summary>
    internal static bool LosesData(EvtxDiagnostic d) =>
        d.Kind is not (EvtxDiagnosticKind.FileHeaderInvalid or EvtxDiagnosticKind.FileHeaderChecksum) &&
        (d.Severity == EvtxSeverity.Error || d.Kind is EvtxDiagnosticKind.FileTruncated or EvtxDiagnosticKind.RecordsMissing);

    internal sealed record WorkUnit(ScanInput Input, int Chunk, bool LastChunkOfFile);

    /// <summary>A match of a rule that a correlation references, kept (with a copy of the event) until the ordered correlation pass.</summary>
    internal sealed record Observation(DateTimeOffset Time, SigmaRuleBase Rule, FlatEvent Event, string Reference);

    internal sealed class UnitResult
    {
        public long Events { get; set; }

        public DateTimeOffset? First { get; set; }

        public DateTimeOffset? Last { get; set; }

        public List<TimelineRow> Rows { get; } = [];

        public List<Observation> Observations { get; } = [];

        public List<string> Warnings { get; } = [];

        public string? Failure { get; set; }

        /// <summary>Records decoded, before the time filter (to tell an empty log from a foreign file).</summary>
        public long Records { get; set; }

        /// <summary>The decoder skipped something it could not read.</summary>
        public bool LostData { get; set; }
    }
}
