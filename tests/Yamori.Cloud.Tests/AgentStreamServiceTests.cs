using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Tests;

public sealed class AgentStreamServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly TempDatabase _temp = new();
    private readonly SqliteEventStore _store;
    private readonly SqliteTenancyStore _tenancy;
    private readonly IngestPipeline _pipeline;
    private readonly AgentStreamService _service;
    private readonly Tenant _town = new(TenantId.New(), MunicipalityCode.Parse("131016"), "千代田区", 90, Events.T0);
    private readonly DeviceId _device = DeviceId.New();

    public AgentStreamServiceTests()
    {
        _store = new SqliteEventStore(_temp.Database);
        _tenancy = new SqliteTenancyStore(_temp.Database);
        _pipeline = new IngestPipeline(_store, NullEventSink.Instance, new IngestOptions { MaxBatchEvents = 50 });
        _service = new AgentStreamService(_pipeline, _store, _tenancy);
    }

    private TenantScope Scope => TenantScope.For(_town.Id);

    public async Task InitializeAsync()
    {
        await _tenancy.CreateTenantAsync(TenantScope.AllTenants, _town);
        await _tenancy.UpsertDeviceAsync(Scope, new Device(_device, _town.Id, "pc-1", "windows", null, "1.0.0", null, DeviceHealth.Unknown, IsolationState.None, []));
    }

    public async Task DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Stream_announces_watermark_and_limits_then_acks_every_batch_in_order()
    {
        var agent = new FakeAgent();
        Task serving = _service.RunAsync(Scope, _device, agent, agent, CancellationToken.None);

        Assert.Equal(0UL, (await agent.Next()).Ack.Sequence);
        FlowControl limits = (await agent.Next()).FlowControl;
        Assert.Equal((8u, 50u, false), (limits.MaxInFlightBatches, limits.MaxBatchEvents, limits.Paused));

        for (ulong s = 1; s <= 30; s++)
        {
            agent.Send(Batch(s, 5));
        }

        List<ulong> acked = [];
        while (acked.LastOrDefault() < 30)
        {
            acked.Add((await agent.Next()).Ack.Sequence);
        }

        agent.Close();
        await serving.WaitAsync(Wait);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (ulong)i), acked);
        Assert.Equal(150, (await _store.QueryEventsAsync(Scope, new EventQuery(_device, DateTimeOffset.MinValue, DateTimeOffset.MaxValue))).Count);
    }

    [Fact]
    public async Task Reconnect_resumes_from_the_watermark_and_resent_batches_are_stored_once()
    {
        var first = new FakeAgent();
        Task one = _service.RunAsync(Scope, _device, first, first, CancellationToken.None);
        await first.Next();
        await first.Next();
        first.Send(Batch(1, 3));
        first.Send(Batch(2, 3));
        Assert.Equal(1UL, (await first.Next()).Ack.Sequence);
        Assert.Equal(2UL, (await first.Next()).Ack.Sequence);

        // The agent reconnects without closing the old stream: the old one is ended first.
        var second = new FakeAgent();
        Task two = _service.RunAsync(Scope, _device, second, second, CancellationToken.None);
        RpcException aborted = await Assert.ThrowsAsync<RpcException>(() => one.WaitAsync(Wait));
        Assert.Equal(StatusCode.Aborted, aborted.StatusCode);
        Assert.Equal(2UL, (await second.Next()).Ack.Sequence);
        await second.Next();
        second.Send(Batch(2, 3));
        second.Send(Batch(3, 3));
        Assert.Equal(2UL, (await second.Next()).Ack.Sequence);
        Assert.Equal(3UL, (await second.Next()).Ack.Sequence);
        second.Close();
        await two.WaitAsync(Wait);

        Assert.Equal(9, (await _store.QueryEventsAsync(Scope, new EventQuery(_device, DateTimeOffset.MinValue, DateTimeOffset.MaxValue))).Count);
        Assert.Equal(0, _service.ConnectedDevices);
    }

    [Fact]
    public async Task Malformed_and_oversize_batches_are_rejected_and_the_hole_becomes_a_gap()
    {
        var agent = new FakeAgent();
        Task serving = _service.RunAsync(Scope, _device, agent, agent, CancellationToken.None);
        await agent.Next();
        await agent.Next();

        AgentMessage noTime = Batch(1, 1);
        noTime.Batch.Events[0].Time = null;
        agent.Send(noTime);
        agent.Send(Batch(2, 51));
        agent.Send(Batch(3, 1));

        BatchRejected malformed = (await agent.Next()).BatchRejected;
        BatchRejected oversize = (await agent.Next()).BatchRejected;
        Ack ack = (await agent.Next()).Ack;
        agent.Close();
        await serving.WaitAsync(Wait);

        Assert.Equal((1UL, RejectReason.Malformed), (malformed.Sequence, malformed.Reason));
        Assert.Contains("no time", malformed.Message, StringComparison.Ordinal);
        Assert.Equal((2UL, RejectReason.TooManyEvents), (oversize.Sequence, oversize.Reason));
        Assert.Equal(3UL, ack.Sequence);
        IntegrityGap gap = Assert.Single(await _store.QueryGapsAsync(Scope, _device));
        Assert.Equal((1UL, 2UL), (gap.FirstMissing, gap.LastMissing));
    }

    [Fact]
    public async Task Heartbeat_marks_the_device_seen()
    {
        var agent = new FakeAgent();
        Task serving = _service.RunAsync(Scope, _device, agent, agent, CancellationToken.None);
        agent.Send(new AgentMessage { Heartbeat = new Heartbeat { AgentVersion = "1.4.2", SpoolEvents = 10 } });
        agent.Close();
        await serving.WaitAsync(Wait);

        Device device = (await _tenancy.GetDeviceAsync(Scope, _device))!;
        Assert.Equal("1.4.2", device.AgentVersion);
        Assert.NotNull(device.LastSeen);
    }

    [Fact]
    public async Task Bytes_that_are_not_a_message_end_the_stream_and_give_back_its_room()
    {
        // One cloud-wide permit: a permit leaked by the broken stream would stall the next one.
        AgentStreamService service = WithOnePermit();
        var broken = new FakeAgent();
        Task serving = await ConnectAsync(service, broken);
        broken.Send(Batch(1, 2));
        Assert.Equal(1UL, (await broken.Next()).Ack.Sequence);
        broken.SendRaw([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);

        RpcException ended = await Assert.ThrowsAsync<RpcException>(() => serving.WaitAsync(Wait));
        Assert.Equal(StatusCode.InvalidArgument, ended.StatusCode);
        Assert.Contains("not a valid AgentMessage", ended.Status.Detail, StringComparison.Ordinal);

        var next = new FakeAgent();
        Task again = await ConnectAsync(service, next);
        next.Send(Batch(2, 2));
        Assert.Equal(2UL, (await next.Next()).Ack.Sequence);
        next.Close();
        await again.WaitAsync(Wait);
        Assert.Equal(4, (await _store.QueryEventsAsync(Scope, new EventQuery(_device, DateTimeOffset.MinValue, DateTimeOffset.MaxValue))).Count);
    }

    [Fact]
    public async Task Heartbeats_between_batches_do_not_keep_the_cloud_wide_room()
    {
        // With a single permit, one not given back after a heartbeat would block the next batch.
        var agent = new FakeAgent();
        Task serving = await ConnectAsync(WithOnePermit(), agent);
        for (ulong s = 1; s <= 5; s++)
        {
            agent.Send(new AgentMessage { Heartbeat = new Heartbeat { AgentVersion = "1.4.2" } });
            agent.Send(Batch(s, 1));
        }

        for (ulong s = 1; s <= 5; s++)
        {
            Assert.Equal(s, (await agent.Next()).Ack.Sequence);
        }

        agent.Close();
        await serving.WaitAsync(Wait);
    }

    private AgentStreamService WithOnePermit() => new(_pipeline, _store, _tenancy, new AgentStreamOptions { MaxBufferedBatches = 1 });

    /// <summary>Opens the stream and reads what the cloud says on connect (watermark, limits).</summary>
    private async Task<Task> ConnectAsync(AgentStreamService service, FakeAgent agent)
    {
        Task serving = service.RunAsync(Scope, _device, agent, agent, CancellationToken.None);
        await agent.Next();
        await agent.Next();
        return serving;
    }

    private static AgentMessage Batch(ulong sequence, int count)
    {
        var batch = new EventBatch { Sequence = sequence };
        foreach (Cloud.Events.TelemetryEvent ev in Tests.Events.Batch(sequence, count))
        {
            batch.Events.Add(ContractMapping.ToContract(ev));
        }

        return new AgentMessage { Batch = batch };
    }

    /// <summary>Both ends of an in-memory stream, as the gRPC host would hand them over.</summary>
    private sealed class FakeAgent : IAsyncStreamReader<AgentFrame>, IServerStreamWriter<CloudMessage>
    {
        private readonly Channel<AgentFrame> _up = Channel.CreateUnbounded<AgentFrame>();
        private readonly Channel<CloudMessage> _down = Channel.CreateUnbounded<CloudMessage>();

        public AgentFrame Current { get; private set; } = new([]);

        public WriteOptions? WriteOptions { get; set; }

        public void Send(AgentMessage message) => _up.Writer.TryWrite(AgentFrame.From(message));

        /// <summary>Bytes as a hostile or broken agent might send them.</summary>
        public void SendRaw(byte[] bytes) => _up.Writer.TryWrite(new AgentFrame(bytes));

        public void Close() => _up.Writer.TryComplete();

        public async Task<CloudMessage> Next() => await _down.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await _up.Reader.WaitToReadAsync(cancellationToken))
            {
                return false;
            }

            Current = await _up.Reader.ReadAsync(cancellationToken);
            return true;
        }

        public Task WriteAsync(CloudMessage message) => _down.Writer.WriteAsync(message).AsTask();
    }
}
