using System.Diagnostics;
using Yamori.Cloud.Events;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Wire = Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Tests;

public sealed class IngestPipelineTests : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);
    private readonly TempDatabase _temp = new();
    private readonly SqliteEventStore _sqlite;
    private readonly InstrumentedStore _store;
    private readonly RecordingSink _sink = new();
    private readonly TenantScope _town = TenantScope.For(TenantId.New());

    public IngestPipelineTests()
    {
        _sqlite = new SqliteEventStore(_temp.Database);
        _store = new InstrumentedStore(_sqlite);
    }

    public void Dispose()
    {
        _sqlite.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Ack_completes_only_after_the_commit_is_durable()
    {
        await using IngestPipeline pipeline = new(_store, _sink);
        DeviceId device = DeviceId.New();
        _store.Close();

        Task<IngestResult> submit = pipeline.SubmitAsync(new IngestBatch(_town, device, 1, Events.Batch(1, 5))).AsTask();
        await _store.CommitWaiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(Settle);
        Assert.False(submit.IsCompleted, "acked before the commit");

        _store.Release();
        IngestResult result = await submit.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((IngestStatus.Stored, 1UL), (result.Status, result.Ack));

        // Another connection to the file sees the batch the moment its ack is out.
        using var reader = new SqliteEventStore(SqliteDatabase.Open(_temp.Path));
        Assert.Equal(1UL, await reader.GetWatermarkAsync(_town, device));
        Assert.Equal(5, (await reader.QueryEventsAsync(_town, AllOf(device))).Count);
    }

    [Fact]
    public async Task Resent_batches_are_acked_again_and_stored_once()
    {
        await using IngestPipeline pipeline = new(_store, _sink);
        DeviceId device = DeviceId.New();

        IngestResult[] results =
        [
            await pipeline.SubmitAsync(new IngestBatch(_town, device, 1, Events.Batch(1, 3))),
            await pipeline.SubmitAsync(new IngestBatch(_town, device, 2, Events.Batch(2, 3))),
            await pipeline.SubmitAsync(new IngestBatch(_town, device, 2, Events.Batch(2, 3))),
            await pipeline.SubmitAsync(new IngestBatch(_town, device, 1, Events.Batch(1, 3))),
        ];

        Assert.Equal([IngestStatus.Stored, IngestStatus.Stored, IngestStatus.Duplicate, IngestStatus.Duplicate], results.Select(r => r.Status));
        Assert.Equal([1UL, 2UL, 2UL, 2UL], results.Select(r => r.Ack));
        Assert.Equal(6, (await _sqlite.QueryEventsAsync(_town, AllOf(device))).Count);
        await pipeline.DisposeAsync();
        Assert.Equal(6, _sink.Batches.Sum(b => b.Events.Count));
    }

    [Fact]
    public async Task Gap_is_reported_with_its_range_and_handed_to_the_sink()
    {
        await using IngestPipeline pipeline = new(_store, _sink);
        DeviceId device = DeviceId.New();

        await pipeline.SubmitAsync(new IngestBatch(_town, device, 1, Events.Batch(1, 1)));
        IngestResult jumped = await pipeline.SubmitAsync(new IngestBatch(_town, device, 5, Events.Batch(5, 1)));
        await pipeline.DisposeAsync();

        Assert.Equal(5UL, jumped.Ack);
        Assert.Equal((2UL, 4UL), (jumped.Gap!.FirstMissing, jumped.Gap.LastMissing));
        CommittedBatch withGap = Assert.Single(_sink.Batches, b => b.Gap is not null);
        Assert.Equal((5UL, 2UL, 4UL), (withGap.Sequence, withGap.Gap!.FirstMissing, withGap.Gap.LastMissing));
        Assert.Equal(1, pipeline.Counters.Gaps);
    }

    [Fact]
    public async Task Many_devices_concurrently_are_stored_completely_in_group_commits()
    {
        const int devices = 24;
        const int batches = 40;
        const int perBatch = 10;
        await using IngestPipeline pipeline = new(_store, _sink, new IngestOptions { MaxInFlightBatches = 64 });
        DeviceId[] ids = Enumerable.Range(0, devices).Select(_ => DeviceId.New()).ToArray();

        // Each device pipelines its batches like an agent: up to 8 unacknowledged at a time.
        await Task.WhenAll(ids.Select(device => Task.Run(async () =>
        {
            var window = new Queue<Task<IngestResult>>();
            for (ulong s = 1; s <= batches; s++)
            {
                if (window.Count == 8)
                {
                    Assert.Equal(IngestStatus.Stored, (await window.Dequeue()).Status);
                }

                window.Enqueue(pipeline.SubmitAsync(new IngestBatch(_town, device, s, Events.Batch(s, perBatch))).AsTask());
            }

            foreach (Task<IngestResult> t in window)
            {
                Assert.Equal(IngestStatus.Stored, (await t).Status);
            }
        })));
        await pipeline.DisposeAsync();

        foreach (DeviceId device in ids)
        {
            IReadOnlyList<StoredEvent> stored = await _sqlite.QueryEventsAsync(_town, AllOf(device, 10_000));
            Assert.Equal(batches * perBatch, stored.Count);
            Assert.Equal(batches * perBatch, stored.Select(e => (e.Sequence, e.Index)).Distinct().Count());
            Assert.Equal((ulong)batches, await _sqlite.GetWatermarkAsync(_town, device));
        }

        Assert.Empty(await _sqlite.QueryGapsAsync(_town, null));
        Assert.Equal(devices * batches, pipeline.Counters.BatchesStored);
        Assert.Equal(devices * batches * perBatch, _sink.Batches.Sum(b => b.Events.Count));
        Assert.True(_store.CommitCalls < devices * batches, $"{_store.CommitCalls} transactions for {devices * batches} batches: no group commit");
    }

    [Fact]
    public async Task Full_pipeline_makes_callers_wait_and_drops_nothing()
    {
        await using IngestPipeline pipeline = new(_store, _sink, new IngestOptions { MaxInFlightBatches = 2 });
        _sink.Block();
        DeviceId a = DeviceId.New();
        DeviceId b = DeviceId.New();
        DeviceId c = DeviceId.New();

        // Committed and acked, but still in flight while detection (the sink) is stuck.
        Assert.Equal(IngestStatus.Stored, (await pipeline.SubmitAsync(new IngestBatch(_town, a, 1, Events.Batch(1, 2)))).Status);
        Assert.Equal(IngestStatus.Stored, (await pipeline.SubmitAsync(new IngestBatch(_town, b, 1, Events.Batch(1, 2)))).Status);
        Assert.Equal(2, pipeline.InFlightBatches);

        Task<IngestResult> third = pipeline.SubmitAsync(new IngestBatch(_town, c, 1, Events.Batch(1, 2))).AsTask();
        await Task.Delay(Settle);
        Assert.False(third.IsCompleted, "the third batch should wait for capacity");
        Assert.Equal(0UL, await _sqlite.GetWatermarkAsync(_town, c));

        _sink.Unblock();
        IngestResult result = await third.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((IngestStatus.Stored, 1UL), (result.Status, result.Ack));
        Assert.Equal(2, (await _sqlite.QueryEventsAsync(_town, AllOf(c))).Count);
        Assert.Equal(0, pipeline.Counters.Rejected);
    }

    [Fact]
    public async Task Waiting_caller_can_give_up_without_anything_stored()
    {
        await using IngestPipeline pipeline = new(_store, _sink, new IngestOptions { MaxInFlightBatches = 1 });
        _sink.Block();
        DeviceId device = DeviceId.New();
        await pipeline.SubmitAsync(new IngestBatch(_town, device, 1, Events.Batch(1, 1)));

        using var cts = new CancellationTokenSource(Settle);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await pipeline.SubmitAsync(new IngestBatch(_town, device, 2, Events.Batch(2, 1)), cts.Token));
        _sink.Unblock();

        Assert.Equal(1UL, await _sqlite.GetWatermarkAsync(_town, device));
    }

    [Fact]
    public async Task Oversize_batches_are_rejected_with_a_reason()
    {
        await using IngestPipeline pipeline = new(_store, _sink, new IngestOptions { MaxBatchEvents = 10, MaxBatchBytes = 4096 });
        DeviceId device = DeviceId.New();

        IngestResult tooMany = await pipeline.SubmitAsync(new IngestBatch(_town, device, 1, Events.Batch(1, 11)));
        TelemetryEvent huge = Events.Process(1, 0) with
        {
            Fields = [new EventField("CommandLine", EventValue.From(new string('A', 5000)))],
        };
        IngestResult tooLarge = await pipeline.SubmitAsync(new IngestBatch(_town, device, 1, [huge]));
        IngestResult badSequence = await pipeline.SubmitAsync(new IngestBatch(_town, device, 0, Events.Batch(0, 1)));

        Assert.Equal((IngestStatus.Rejected, IngestRejectReason.TooManyEvents), (tooMany.Status, tooMany.RejectReason));
        Assert.Equal("batch 1 has 11 events; the limit is 10", tooMany.Message);
        Assert.Equal((IngestStatus.Rejected, IngestRejectReason.TooLarge), (tooLarge.Status, tooLarge.RejectReason));
        Assert.Contains("the limit is 4096", tooLarge.Message, StringComparison.Ordinal);
        Assert.Equal(IngestRejectReason.InvalidSequence, badSequence.RejectReason);
        Assert.Equal(0, _store.CommitCalls);
        Assert.Equal(3, pipeline.Counters.Rejected);

        Wire.CloudMessage answer = ContractMapping.ToCloudMessage(tooMany, 1);
        Assert.Equal(Wire.RejectReason.TooManyEvents, answer.BatchRejected.Reason);
        Assert.Equal(tooMany.Message, answer.BatchRejected.Message);
    }

    [Fact]
    public async Task Device_over_its_rate_is_delayed_not_dropped()
    {
        await using IngestPipeline pipeline = new(_store, _sink, new IngestOptions { DeviceEventsPerSecond = 1_000, DeviceBurstEvents = 1_000 });
        DeviceId noisy = DeviceId.New();
        DeviceId quiet = DeviceId.New();

        // The bucket starts full (1,000), so 1,500 events need at least half a second in all.
        var watch = Stopwatch.StartNew();
        Task<IngestResult> burst = pipeline.SubmitAsync(new IngestBatch(_town, noisy, 1, Events.Batch(1, 1_000))).AsTask();
        Task<IngestResult> throttled = pipeline.SubmitAsync(new IngestBatch(_town, noisy, 2, Events.Batch(2, 500))).AsTask();
        IngestResult other = await pipeline.SubmitAsync(new IngestBatch(_town, quiet, 1, Events.Batch(1, 10)));
        TimeSpan otherTook = watch.Elapsed;
        IngestResult result = await throttled;
        TimeSpan throttledTook = watch.Elapsed;

        Assert.Equal(IngestStatus.Stored, (await burst).Status);
        Assert.Equal(IngestStatus.Stored, other.Status);
        Assert.Equal((IngestStatus.Stored, 2UL), (result.Status, result.Ack));
        Assert.True(throttledTook >= TimeSpan.FromMilliseconds(450), $"throttled batch took {throttledTook}");
        Assert.True(otherTook < throttledTook, "another device must not wait for the noisy one");
        Assert.Equal(1, pipeline.Counters.Throttled);
        Assert.Equal(1_500, (await _sqlite.QueryEventsAsync(_town, AllOf(noisy, 5_000))).Count);
    }

    [Fact]
    public async Task Storage_failure_of_one_batch_does_not_fail_its_group()
    {
        await using IngestPipeline pipeline = new(_store, _sink);
        DeviceId bad = DeviceId.New();
        DeviceId[] good = [DeviceId.New(), DeviceId.New(), DeviceId.New()];
        _store.FailDevice = bad;
        _store.Close();

        Task<IngestResult>[] submitted = [.. good.Append(bad).Select(d => pipeline.SubmitAsync(new IngestBatch(_town, d, 1, Events.Batch(1, 2))).AsTask())];
        await _store.CommitWaiting.Task;
        _store.Release();

        await Assert.ThrowsAsync<InvalidOperationException>(() => submitted[^1]);
        foreach (Task<IngestResult> t in submitted[..^1])
        {
            Assert.Equal(IngestStatus.Stored, (await t).Status);
        }

        Assert.Equal(0UL, await _sqlite.GetWatermarkAsync(_town, bad));
    }

    [Fact]
    public async Task Device_of_another_tenant_is_rejected()
    {
        await using IngestPipeline pipeline = new(_store, _sink);
        DeviceId device = DeviceId.New();
        await pipeline.SubmitAsync(new IngestBatch(_town, device, 1, Events.Batch(1, 1)));

        IngestResult result = await pipeline.SubmitAsync(new IngestBatch(TenantScope.For(TenantId.New()), device, 2, Events.Batch(2, 1)));

        Assert.Equal((IngestStatus.Rejected, IngestRejectReason.TenantMismatch, 0UL), (result.Status, result.RejectReason, result.Ack));
        await Assert.ThrowsAsync<TenantScopeException>(async () =>
            await pipeline.SubmitAsync(new IngestBatch(TenantScope.AllTenants, device, 2, Events.Batch(2, 1))));
    }

    [Fact]
    public async Task Shutdown_commits_everything_already_accepted()
    {
        IngestPipeline pipeline = new(_store, _sink);
        DeviceId device = DeviceId.New();
        _store.Close();
        Task<IngestResult>[] submitted = [.. Enumerable.Range(1, 20).Select(s => pipeline.SubmitAsync(new IngestBatch(_town, device, (ulong)s, Events.Batch((ulong)s, 3))).AsTask())];
        await _store.CommitWaiting.Task;

        ValueTask disposing = pipeline.DisposeAsync();
        _store.Release();
        await disposing;

        Assert.All(submitted, t => Assert.Equal(IngestStatus.Stored, t.Result.Status));
        Assert.Equal(20UL, await _sqlite.GetWatermarkAsync(_town, device));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () =>
            await pipeline.SubmitAsync(new IngestBatch(_town, device, 21, Events.Batch(21, 1))));
    }

    private static EventQuery AllOf(DeviceId device, int limit = 1000) => new(device, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, limit);
}
