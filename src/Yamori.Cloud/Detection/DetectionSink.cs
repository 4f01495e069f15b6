using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Cloud.Events;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Detection;

/// <summary>
/// Detection on committed telemetry: every event through the engine, each match checked against
/// the tenant's settings (rule on? an exception suppressing it?), survivors and integrity gaps
/// handed to the <see cref="AlertCorrelator"/>. Batches of different devices are matched in
/// parallel; a device's batches stay on one worker, so its alerts follow event order.
/// </summary>
public sealed class DetectionSink : IEventSink
{
    private static readonly string[] UserFields = ["User", "SubjectUserName", "TargetUserName"];

    private readonly SigmaEngine _engine;
    private readonly RuleSettingsService _settings;
    private readonly AlertCorrelator _correlator;
    private readonly DetectionOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentBag<Worker> _workers = [];

    public DetectionSink(SigmaEngine engine, RuleSettingsService settings, AlertCorrelator correlator, DetectionOptions? options = null, ILogger<DetectionSink>? logger = null)
    {
        if (!ReferenceEquals(engine.Rules, settings.Rules))
        {
            throw new ArgumentException("the engine and the rule settings must share one RuleSet", nameof(settings));
        }

        _engine = engine;
        _settings = settings;
        _correlator = correlator;
        _options = options ?? new DetectionOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public DetectionCounters Counters => _correlator.Counters;

    public async ValueTask OnCommittedAsync(IReadOnlyList<CommittedBatch> batches, CancellationToken cancellationToken)
    {
        if (batches.Count == 0)
        {
            return;
        }

        // Profiles are loaded up front (cached, async); the matching itself is synchronous CPU work.
        var profiles = new Dictionary<TenantId, TenantProfile>();
        foreach (CommittedBatch b in batches)
        {
            if (!profiles.ContainsKey(b.Tenant))
            {
                profiles[b.Tenant] = await _settings.GetProfileAsync(b.Tenant, cancellationToken);
            }
        }

        int partitions = Math.Min(_options.MaxParallelism, batches.Count);
        List<AlertCandidate> candidates;
        if (partitions <= 1)
        {
            candidates = [];
            Worker worker = Rent();
            try
            {
                foreach (CommittedBatch b in batches)
                {
                    worker.Process(b, profiles[b.Tenant], candidates);
                }
            }
            finally
            {
                _workers.Add(worker);
            }
        }
        else
        {
            var parts = new List<CommittedBatch>[partitions];
            for (int p = 0; p < partitions; p++)
            {
                parts[p] = [];
            }

            foreach (CommittedBatch b in batches)
            {
                parts[(int)((uint)b.Device.GetHashCode() % (uint)partitions)].Add(b);
            }

            var found = new List<AlertCandidate>[partitions];
            Parallel.For(0, partitions, new ParallelOptions { MaxDegreeOfParallelism = partitions, CancellationToken = cancellationToken }, p =>
            {
                found[p] = [];
                Worker worker = Rent();
                try
                {
                    foreach (CommittedBatch b in parts[p])
                    {
                        worker.Process(b, profiles[b.Tenant], found[p]);
                    }
                }
                finally
                {
                    _workers.Add(worker);
                }
            });

            // Concatenating partitions keeps each device's candidates in event order (a device lives in one partition).
            candidates = [.. found.SelectMany(f => f)];
        }

        foreach (CommittedBatch b in batches)
        {
            if (b.Gap is { } gap)
            {
                DetectionLog.IntegrityAlert(_logger, gap.Device, gap.Tenant, gap.FirstMissing, gap.LastMissing);
            }
        }

        await _correlator.ProcessAsync(candidates, cancellationToken);
    }

    private Worker Rent() => _workers.TryTake(out Worker? w) ? w : new Worker(this);

    /// <summary>Matching state for one thread at a time: the reused event, session and match list.</summary>
    private sealed class Worker(DetectionSink owner)
    {
        private readonly FlatEvent _event = new();
        private readonly MatchSession _session = owner._engine.CreateSession();
        private readonly List<SigmaRule> _matches = [];

        public void Process(CommittedBatch batch, TenantProfile profile, List<AlertCandidate> output)
        {
            DetectionCounters counters = owner.Counters;
            if (batch.Gap is { } gap)
            {
                output.Add(IntegrityCandidate(gap, owner._options.IntegrityAlertLevel));
                counters.IntegrityAlert();
            }

            long matched = 0, disabled = 0, suppressed = 0;
            IReadOnlyList<StoredEvent> events = batch.Events;
            for (int i = 0; i < events.Count; i++)
            {
                StoredEvent stored = events[i];
                TelemetryFlattener.Fill(_event, stored.Event);
                _matches.Clear();
                if (_session.Match(_event, _matches) == 0)
                {
                    continue;
                }

                foreach (SigmaRule rule in _matches)
                {
                    matched++;
                    if (!profile.IsEnabled(rule))
                    {
                        disabled++;
                    }
                    else if (profile.Suppresses(rule, _event))
                    {
                        suppressed++;
                    }
                    else
                    {
                        output.Add(Candidate(batch, stored, rule));
                    }
                }
            }

            counters.AddEvents(events.Count);
            counters.AddMatches(matched);
            counters.AddDisabled(disabled);
            counters.AddSuppressed(suppressed);
        }
    }

    private static AlertCandidate Candidate(CommittedBatch batch, StoredEvent stored, SigmaRule rule)
    {
        TelemetryEvent ev = stored.Event;
        string? user = null;
        foreach (string field in UserFields)
        {
            if (Text(ev, field) is { Length: > 0 } u)
            {
                user = u;
                break;
            }
        }

        long? pid = null;
        if (ev.TryGetField("ProcessId", out EventValue p))
        {
            pid = p.Kind == EventValueKind.Int64 ? p.AsInt64
                : p.Kind == EventValueKind.String && long.TryParse(p.AsString, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) ? parsed
                : null;
        }

        return new AlertCandidate(
            batch.Tenant,
            batch.Device,
            rule.Id,
            rule.Title,
            rule.Level,
            rule.Tags,
            stored.Id,
            ev.Time,
            user,
            Text(ev, "Image"),
            pid,
            Text(ev, "ProcessGuid"));
    }

    private static AlertCandidate IntegrityCandidate(IntegrityGap gap, SigmaLevel level)
    {
        string range = gap.FirstMissing == gap.LastMissing
            ? FormattableString.Invariant($"batch {gap.FirstMissing}")
            : FormattableString.Invariant($"batches {gap.FirstMissing}..{gap.LastMissing} ({gap.MissingBatches})");
        return new AlertCandidate(
            gap.Tenant,
            gap.Device,
            BuiltInRules.TelemetryIntegrityId,
            BuiltInRules.TelemetryIntegrityTitle,
            level,
            [],
            null,
            gap.DetectedAt,
            Detail: $"telemetry of this device is incomplete: {range} never arrived",
            Mergeable: false);
    }

    private static string? Text(TelemetryEvent ev, string field) =>
        ev.TryGetField(field, out EventValue v) && v.Kind == EventValueKind.String ? v.AsString : null;
}
