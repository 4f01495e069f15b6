using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// Takes batches from many device streams at once and commits them in group transactions: while
/// one transaction syncs to disk, the next group gathers, so one disk sync serves many devices.
/// Each caller's task completes only after the transaction holding its batch has committed, so
/// its ack may be sent at once. Capacity is bounded: when storage or detection lags, callers wait;
/// nothing accepted is ever dropped.
/// </summary>
public sealed class IngestPipeline : IAsyncDisposable
{
    private readonly IEventStore _store;
    private readonly IEventSink _sink;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _capacity;
    private readonly Channel<Pending> _commitQueue = Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    private readonly Channel<List<Pending>> _sinkQueue = Channel.CreateUnbounded<List<Pending>>(new() { SingleReader = true, SingleWriter = true });
    private readonly ConcurrentDictionary<DeviceId, DeviceGate> _gates = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _commitLoop;
    private readonly Task _sinkLoop;
    private readonly IngestCounters _counters = new();
    private readonly System.Diagnostics.Metrics.Meter _meter;
    private readonly System.Diagnostics.Metrics.Histogram<double> _commitSeconds;
    private readonly System.Diagnostics.Metrics.Histogram<int> _groupBatches;
    private int _closed;

    public IngestPipeline(
        IEventStore store,
        IEventSink sink,
        IngestOptions? options = null,
        TimeProvider? time = null,
        ILogger<IngestPipeline>? logger = null)
    {
        _store = store;
        _sink = sink;
        _options = options ?? new IngestOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _capacity = new SemaphoreSlim(_options.MaxInFlightBatches, _options.MaxInFlightBatches);
        _commitLoop = Task.Factory.StartNew(CommitLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        _sinkLoop = Task.Run(SinkLoopAsync);
        _meter = IngestMetrics.Create(this, out _commitSeconds, out _groupBatches);
    }

    /// <summary>Batches accepted and not yet through commit and detection.</summary>
    public int InFlightBatches => _options.MaxInFlightBatches - _capacity.CurrentCount;

    /// <summary>The limits in force (for the FlowControl message sent to agents).</summary>
    public IngestOptions Options => _options;

    /// <summary>Totals since start.</summary>
    public IngestCounters.Snapshot Counters => _counters.Read();

    /// <summary>
    /// Validates, throttles and commits one batch. Completes after the durable commit with the ack
    /// to send, or at once with a rejection. Waits, without dropping, while the pipeline is full.
    /// Batches of one device must be submitted in sequence order (one stream per device does that).
    /// </summary>
    /// <exception cref="TenantScopeException">The scope is not a single tenant.</exception>
    /// <exception cref="ObjectDisposedException">The pipeline is shutting down; the batch was not accepted.</exception>
    public async ValueTask<IngestResult> SubmitAsync(IngestBatch batch, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        TenantId tenant = batch.Scope.RequireSingle();
        if (Validate(batch) is { } rejected)
        {
            _counters.Rejected();
            IngestLog.BatchRejected(_logger, batch.Sequence, batch.Device, rejected.RejectReason!.Value, rejected.Message!);
            return rejected;
        }

        DeviceGate gate = _gates.GetOrAdd(
            batch.Device,
            static (_, s) => new DeviceGate(s.Options.DeviceEventsPerSecond, s.Options.DeviceBurstEvents, s._time.GetTimestamp()),
            this);
        Pending pending;
        await gate.Order.WaitAsync(cancellationToken);
        try
        {
            TimeSpan delay = gate.Reserve(batch.Events.Count, _time.GetTimestamp(), _time.TimestampFrequency);
            if (delay > TimeSpan.Zero)
            {
                _counters.Throttled();
                await Task.Delay(delay, _time, cancellationToken);
            }

            await _capacity.WaitAsync(cancellationToken);

            // Parallel work stays with the caller's thread; the commit thread then only writes.
            pending = new Pending(batch, tenant) { FieldsJson = Events.FieldsJson.EncodeAll(batch.Events) };
            if (!_commitQueue.Writer.TryWrite(pending))
            {
                pending.FieldsJson.Dispose();
                _capacity.Release();
                throw new ObjectDisposedException(nameof(IngestPipeline), "the ingest pipeline is shutting down");
            }
        }
        finally
        {
            gate.Order.Release();
        }

        // Once queued, the batch is committed even if this caller goes away.
        return await pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops accepting, commits and hands on everything already accepted, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _commitQueue.Writer.TryComplete();
        await _commitLoop;
        await _sinkLoop;
        await _stopping.CancelAsync();
        _stopping.Dispose();
        foreach (DeviceGate gate in _gates.Values)
        {
            gate.Dispose();
        }

        _capacity.Dispose();
        _meter.Dispose();
    }

    private IngestResult? Validate(IngestBatch batch)
    {
        if (!SequenceRules.IsValid(batch.Sequence))
        {
            return IngestResult.Rejected(IngestRejectReason.InvalidSequence, $"batch sequence {batch.Sequence} is outside 1..2^63-1");
        }

        if (batch.Events.Count > _options.MaxBatchEvents)
        {
            return IngestResult.Rejected(
                IngestRejectReason.TooManyEvents,
                $"batch {batch.Sequence} has {batch.Events.Count} events; the limit is {_options.MaxBatchEvents}");
        }

        long bytes = batch.EncodedBytes ?? 0;
        if (batch.EncodedBytes is null)
        {
            foreach (Events.TelemetryEvent ev in batch.Events)
            {
                bytes += ev.EstimatedBytes();
            }
        }

        return bytes > _options.MaxBatchBytes
            ? IngestResult.Rejected(
                IngestRejectReason.TooLarge,
                $"batch {batch.Sequence} is about {bytes} bytes; the limit is {_options.MaxBatchBytes}")
            : null;
    }

    private async Task CommitLoopAsync()
    {
        ChannelReader<Pending> reader = _commitQueue.Reader;
        while (await reader.WaitToReadAsync())
        {
            var group = new List<Pending>();
            int events = 0;
            while (group.Count < _options.MaxGroupBatches && events < _options.MaxGroupEvents && reader.TryRead(out Pending? next))
            {
                group.Add(next);
                events += next.Batch.Events.Count;
            }

            await CommitGroupAsync(group);
            foreach (Pending committed in group)
            {
                committed.FieldsJson?.Dispose();
            }

            _sinkQueue.Writer.TryWrite(group);
        }

        _sinkQueue.Writer.TryComplete();
    }

    private async Task CommitGroupAsync(List<Pending> group)
    {
        try
        {
            long started = _time.GetTimestamp();
            IReadOnlyList<CommitOutcome> outcomes = await _store.CommitAsync(group.ConvertAll(ToCommit), _stopping.Token);
            _commitSeconds.Record(_time.GetElapsedTime(started).TotalSeconds);
            _groupBatches.Record(group.Count);
            _counters.Group();
            for (int i = 0; i < group.Count; i++)
            {
                Complete(group[i], outcomes[i]);
            }
        }
        catch (Exception ex) when (group.Count > 1)
        {
            // One bad batch must not hold back the others: commit each on its own.
            IngestLog.CommitFailed(_logger, group.Count, ex);
            foreach (Pending pending in group)
            {
                await CommitGroupAsync([pending]);
            }
        }
        catch (Exception ex)
        {
            IngestLog.CommitFailed(_logger, 1, ex);
            group[0].Done.TrySetException(ex);
        }
    }

    private void Complete(Pending pending, CommitOutcome outcome)
    {
        pending.Outcome = outcome;
        IngestResult result = IngestResult.From(outcome, pending.Batch);
        _counters.Completed(result, outcome.Stored.Count);
        if (result.Gap is { } gap)
        {
            IngestLog.GapDetected(_logger, gap.Device, gap.Tenant, gap.FirstMissing, gap.LastMissing);
        }
        else if (result.Status == IngestStatus.Rejected)
        {
            IngestLog.BatchRejected(_logger, pending.Batch.Sequence, pending.Batch.Device, result.RejectReason!.Value, result.Message!);
        }

        pending.Done.TrySetResult(result);
    }

    private async Task SinkLoopAsync()
    {
        ChannelReader<List<Pending>> reader = _sinkQueue.Reader;
        var taken = new List<Pending>();
        while (await reader.WaitToReadAsync())
        {
            // Everything committed meanwhile goes to the sink in one call: detection spreads a large
            // set over its workers, while one small group at a time would leave cores idle.
            taken.Clear();
            int events = 0;
            while (events < _options.MaxGroupEvents && reader.TryRead(out List<Pending>? group))
            {
                taken.AddRange(group);
                foreach (Pending p in group)
                {
                    events += p.Batch.Events.Count;
                }
            }

            var committed = new List<CommittedBatch>(taken.Count);
            foreach (Pending p in taken)
            {
                if (p.Outcome is { Status: CommitStatus.Stored } o)
                {
                    committed.Add(new CommittedBatch(p.Tenant, p.Batch.Device, p.Batch.Sequence, o.Stored, o.NewGap));
                }
            }

            try
            {
                if (committed.Count > 0)
                {
                    await _sink.OnCommittedAsync(committed, _stopping.Token);
                }
            }
            catch (Exception ex)
            {
                _counters.SinkFailure();
                IngestLog.SinkFailed(_logger, committed.Count, ex);
            }
            finally
            {
                _capacity.Release(taken.Count);
            }
        }
    }

    private static BatchToCommit ToCommit(Pending p) => new(p.Batch.Scope, p.Batch.Device, p.Batch.Sequence, p.Batch.Events, p.FieldsJson);

    private sealed class Pending(IngestBatch batch, TenantId tenant)
    {
        public IngestBatch Batch { get; } = batch;

        public TenantId Tenant { get; } = tenant;

        public TaskCompletionSource<IngestResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CommitOutcome? Outcome { get; set; }

        /// <summary>Encoded on the submitting thread, before the batch queues for the single writer; given back after the commit.</summary>
        public Events.EncodedFields? FieldsJson { get; init; }
    }
}
