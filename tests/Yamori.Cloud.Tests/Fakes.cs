using System.Collections.Concurrent;
using Yamori.Cloud.Events;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests;

/// <summary>Wraps a real store; can hold commits at a gate, fail chosen devices, and counts calls.</summary>
internal sealed class InstrumentedStore(IEventStore inner) : IEventStore
{
    private volatile TaskCompletionSource _gate = Open();

    public int CommitCalls;

    public ConcurrentQueue<int> GroupSizes { get; } = new();

    public DeviceId? FailDevice { get; set; }

    /// <summary>Set when a commit is waiting at the gate.</summary>
    public TaskCompletionSource CommitWaiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public async ValueTask<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<BatchToCommit> batches, CancellationToken cancellationToken = default)
    {
        if (!_gate.Task.IsCompleted)
        {
            CommitWaiting.TrySetResult();
            await _gate.Task;
        }

        Interlocked.Increment(ref CommitCalls);
        GroupSizes.Enqueue(batches.Count);
        if (FailDevice is { } bad && batches.Any(b => b.Device == bad))
        {
            throw new InvalidOperationException("simulated storage failure");
        }

        return await inner.CommitAsync(batches, cancellationToken);
    }

    public ValueTask<ulong> GetWatermarkAsync(TenantScope scope, DeviceId device, CancellationToken cancellationToken = default) =>
        inner.GetWatermarkAsync(scope, device, cancellationToken);

    public ValueTask<IReadOnlyList<StoredEvent>> QueryEventsAsync(TenantScope scope, EventQuery query, CancellationToken cancellationToken = default) =>
        inner.QueryEventsAsync(scope, query, cancellationToken);

    public ValueTask<IReadOnlyList<IntegrityGap>> QueryGapsAsync(TenantScope scope, DeviceId? device, CancellationToken cancellationToken = default) =>
        inner.QueryGapsAsync(scope, device, cancellationToken);

    public ValueTask<long> DeleteEventsReceivedBeforeAsync(TenantScope scope, DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        inner.DeleteEventsReceivedBeforeAsync(scope, cutoff, cancellationToken);

    private static TaskCompletionSource Open()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }
}

/// <summary>Records what the pipeline hands on; can block to simulate slow detection.</summary>
internal sealed class RecordingSink : IEventSink
{
    private volatile TaskCompletionSource _gate = Completed();

    public ConcurrentQueue<CommittedBatch> Batches { get; } = new();

    public void Block() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Unblock() => _gate.TrySetResult();

    public async ValueTask OnCommittedAsync(IReadOnlyList<CommittedBatch> batches, CancellationToken cancellationToken)
    {
        foreach (CommittedBatch b in batches)
        {
            Batches.Enqueue(b);
        }

        await _gate.Task;
    }

    private static TaskCompletionSource Completed()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }
}
