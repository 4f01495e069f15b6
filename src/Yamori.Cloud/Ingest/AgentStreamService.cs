using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Ingest;

/// <summary>Per-stream settings announced to agents.</summary>
public sealed record AgentStreamOptions
{
    /// <summary>Batches an agent may have unacknowledged; the stream stops reading beyond that.</summary>
    public int MaxInFlightPerDevice { get; init; } = 8;

    /// <summary>
    /// Batches parsed into the pipeline and not yet acknowledged, cloud-wide. A stream whose message
    /// waits for admission holds it as raw bytes and reads nothing more (HTTP/2 flow control then
    /// holds the agent back), so parsed batches are bounded by this alone: a thousand agents with
    /// full windows would otherwise keep gigabytes of parsed events alive and the garbage collector,
    /// not the disk, would set the pace.
    /// </summary>
    public int MaxBufferedBatches { get; init; } = 128;

    /// <summary>Refuses limits that would stall every stream (configuration is read at start-up).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxInFlightPerDevice);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBufferedBatches);
    }
}

/// <summary>
/// The cloud side of <c>AgentChannel.Connect</c>, independent of the host: the gRPC service
/// resolves tenant and device from the client certificate and hands the two streams here.
/// On connect it sends the device's watermark (so the agent knows where to resume) and the limits;
/// then batches go through the <see cref="IngestPipeline"/> pipelined up to the in-flight window,
/// and acks go back in order, each after its durable commit. A newer stream of the same device
/// ends the older one first, so two streams never interleave one device's batches.
/// </summary>
public sealed class AgentStreamService(
    IngestPipeline pipeline,
    IEventStore store,
    ITenancyStore? tenancy = null,
    AgentStreamOptions? options = null,
    TimeProvider? time = null,
    ILogger<AgentStreamService>? logger = null,
    IDeviceCommandChannel? commands = null,
    IHeartbeatObserver? heartbeats = null)
{
    private readonly AgentStreamOptions _options = options ?? new AgentStreamOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly ConcurrentDictionary<DeviceId, Session> _sessions = new();
    private SemaphoreSlim? _admission;

    private SemaphoreSlim Admission => LazyInitializer.EnsureInitialized(ref _admission, () => new SemaphoreSlim(_options.MaxBufferedBatches, _options.MaxBufferedBatches));

    /// <summary>Devices with an open stream.</summary>
    public int ConnectedDevices => _sessions.Count;

    /// <summary>True while <paramref name="device"/> has an open stream.</summary>
    public bool IsConnected(DeviceId device) => _sessions.ContainsKey(device);

    /// <summary>
    /// Tells the device's open stream, if any, to fetch and send its pending commands now instead of
    /// at the next connect.
    /// </summary>
    public void NotifyCommandsPending(DeviceId device)
    {
        if (_sessions.TryGetValue(device, out Session? session))
        {
            session.CommandsPending.Writer.TryWrite(true);
        }
    }

    /// <summary>
    /// Ends the device's open stream, if any, with <c>PermissionDenied</c> (a revoked device must not
    /// keep a stream it opened before the revocation). Acks already owed are not sent; the agent
    /// keeps those batches, and nothing it sent is half-stored.
    /// </summary>
    public bool Disconnect(DeviceId device, string reason)
    {
        if (!_sessions.TryGetValue(device, out Session? session))
        {
            return false;
        }

        session.End(reason, StatusCode.PermissionDenied);
        return true;
    }

    /// <summary>Serves one stream until the agent closes it, the call is cancelled, or a newer stream replaces it.</summary>
    /// <exception cref="RpcException">Aborted: a newer stream of this device took over.</exception>
    public async Task RunAsync(
        TenantScope scope,
        DeviceId device,
        IAsyncStreamReader<AgentFrame> requests,
        IAsyncStreamWriter<CloudMessage> responses,
        CancellationToken cancellationToken)
    {
        scope.RequireSingle();
        using var session = new Session(cancellationToken);
        Session? previous = null;
        _sessions.AddOrUpdate(device, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        try
        {
            if (previous is not null)
            {
                previous.Supersede();
                await previous.Finished.Task.WaitAsync(session.Token);
            }

            await ServeAsync(scope, device, session, requests, responses, session.Token);
        }
        catch (OperationCanceledException) when (session.Superseded)
        {
            throw new RpcException(new Status(StatusCode.Aborted, "superseded by a newer stream of this device"));
        }
        catch (OperationCanceledException) when (session.EndReason is { } reason)
        {
            throw new RpcException(new Status(session.EndStatus, reason));
        }
        finally
        {
            _sessions.TryRemove(KeyValuePair.Create(device, session));
            session.Finished.TrySetResult();
        }
    }

    private async Task ServeAsync(
        TenantScope scope,
        DeviceId device,
        Session session,
        IAsyncStreamReader<AgentFrame> requests,
        IAsyncStreamWriter<CloudMessage> responses,
        CancellationToken ct)
    {
        // gRPC allows one write at a time: everything goes through this outbox.
        Channel<CloudMessage> outbox = Channel.CreateUnbounded<CloudMessage>(new() { SingleReader = true });
        Channel<(ulong Sequence, Task<IngestResult> Result)> acks = Channel.CreateUnbounded<(ulong, Task<IngestResult>)>(new() { SingleReader = true, SingleWriter = true });
        using var window = new SemaphoreSlim(_options.MaxInFlightPerDevice, _options.MaxInFlightPerDevice);

        // Cloud-wide permits this stream holds for batches not yet answered; whatever is left when
        // the stream ends abnormally (agent gone, stream superseded) is given back in finally.
        int admitted = 0;

        Task writer = Task.Run(
            async () =>
            {
                await foreach (CloudMessage message in outbox.Reader.ReadAllAsync(ct))
                {
                    // WriteAsync(message, ct) is optional in Grpc.Core.Api; a broken call fails the write anyway.
                    await responses.WriteAsync(message);
                }
            },
            ct);
        Task acker = Task.Run(
            async () =>
            {
                // In sequence order, so the agent sees its acks ascend.
                await foreach ((ulong sequence, Task<IngestResult> result) in acks.Reader.ReadAllAsync(ct))
                {
                    IngestResult answer;
                    try
                    {
                        answer = await result;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // The commit failed: nothing of this batch was stored and no later ack may
                        // pass it. End the stream; the agent reconnects and re-sends from the
                        // watermark, and finally gives the permits back.
                        IngestLog.StreamFailed(_logger, device, ex);
                        session.End("the cloud could not store a batch; reconnect and re-send", StatusCode.Unavailable);
                        return;
                    }

                    outbox.Writer.TryWrite(ContractMapping.ToCloudMessage(answer, sequence));
                    window.Release();
                    Interlocked.Decrement(ref admitted);
                    Admission.Release();
                }
            },
            ct);

        Task commander = commands is null ? Task.CompletedTask : Task.Run(
            async () =>
            {
                // Pending commands go out on connect (the first signal) and after each notification.
                session.CommandsPending.Writer.TryWrite(true);
                try
                {
                    await foreach (bool _ in session.CommandsPending.Reader.ReadAllAsync(ct))
                    {
                        foreach (Command command in await commands.TakeDeliverableAsync(scope, device, ct))
                        {
                            outbox.Writer.TryWrite(new CloudMessage { Command = command });
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A stream that can no longer deliver commands must not look healthy: end it,
                    // and the reconnect delivers what is pending.
                    IngestLog.StreamFailed(_logger, device, ex);
                    session.End("the cloud could not deliver commands; reconnect", StatusCode.Unavailable);
                }
            },
            ct);

        try
        {
            outbox.Writer.TryWrite(new CloudMessage { Ack = new Ack { Sequence = await store.GetWatermarkAsync(scope, device, ct) } });
            outbox.Writer.TryWrite(ContractMapping.ToFlowControl(pipeline.Options, _options.MaxInFlightPerDevice, paused: false));

            while (true)
            {
                // Room for one more batch of this device before reading: a full window stops the
                // reading, which is the agent's backpressure.
                await window.WaitAsync(ct);
                bool read;
                try
                {
                    read = await requests.MoveNext(ct);
                }
                catch
                {
                    window.Release();
                    throw;
                }

                if (!read)
                {
                    window.Release();
                    break;
                }

                // Cloud-wide room before parsing, taken after the read (a permit held while waiting
                // for an idle agent's next message would block busy ones), so a saturated cloud
                // parks one raw frame per stream, not a parsed batch. The acker gives a batch's
                // permit back with its ack; any other (small) message gives it back once parsed.
                AgentFrame frame = requests.Current;
                try
                {
                    await Admission.WaitAsync(ct);
                }
                catch
                {
                    window.Release();
                    throw;
                }

                Interlocked.Increment(ref admitted);
                if (Read(frame, scope, device, session, acks.Writer, ct) is not { } message)
                {
                    continue;
                }

                window.Release();
                Interlocked.Decrement(ref admitted);
                Admission.Release();
                switch (message.BodyCase)
                {
                    case AgentMessage.BodyOneofCase.Heartbeat when tenancy is not null:
                        DateTimeOffset now = _time.GetUtcNow();
                        DeviceHealth health = heartbeats is null ? DeviceHealth.Healthy : await heartbeats.OnHeartbeatAsync(scope, device, message.Heartbeat, now, ct);
                        await tenancy.RecordHeartbeatAsync(scope, device, now, message.Heartbeat.AgentVersion, health, ct);
                        break;
                    case AgentMessage.BodyOneofCase.CommandResult when commands is not null:
                        await commands.RecordResultAsync(scope, device, message.CommandResult, ct);
                        break;
                    default:
                        break;
                }
            }

            acks.Writer.TryComplete();
            await acker;
            session.CommandsPending.Writer.TryComplete();
            await commander;
            outbox.Writer.TryComplete();
            await writer;
        }
        finally
        {
            acks.Writer.TryComplete();
            session.CommandsPending.Writer.TryComplete();
            outbox.Writer.TryComplete();
            await Task.WhenAll(acker, writer, commander).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            int left = Interlocked.Exchange(ref admitted, 0);
            if (left > 0)
            {
                Admission.Release(left);
            }
        }
    }

    /// <summary>
    /// A batch goes to the pipeline (its ack queued) and null is returned; any other message is
    /// returned parsed. Bytes that are not protobuf end the stream: nothing after them can be
    /// trusted to line up.
    /// </summary>
    private AgentMessage? Read(AgentFrame frame, TenantScope scope, DeviceId device, Session session, ChannelWriter<(ulong, Task<IngestResult>)> acks, CancellationToken ct)
    {
        ulong sequence = 0;
        try
        {
            if (BatchWireReader.TryRead(frame.Bytes, out sequence, out TelemetryEvent[] events))
            {
                acks.TryWrite((sequence, Submit(new IngestBatch(scope, device, sequence, events) { EncodedBytes = frame.Bytes.Length }, ct)));
                return null;
            }

            // Anything else, or a batch in an encoding the reader leaves to the generated parser.
            AgentMessage message = frame.Parse();
            if (message.BodyCase != AgentMessage.BodyOneofCase.Batch)
            {
                return message;
            }

            sequence = message.Batch.Sequence;
            acks.TryWrite((sequence, Submit(ContractMapping.ToIngestBatch(message.Batch, scope, device, frame.Bytes.Length), ct)));
            return null;
        }
        catch (MalformedBatchException ex)
        {
            IngestLog.BatchRejected(_logger, sequence, device, IngestRejectReason.Malformed, ex.Message);
            acks.TryWrite((sequence, Task.FromResult(IngestResult.Rejected(IngestRejectReason.Malformed, ex.Message))));
            return null;
        }
        catch (Exception ex) when (ex is InvalidDataException or Google.Protobuf.InvalidProtocolBufferException)
        {
            string reason = $"a message of {frame.Bytes.Length} bytes is not a valid AgentMessage: {ex.Message}";
            IngestLog.StreamFailed(_logger, device, ex);
            session.End(reason, StatusCode.InvalidArgument);
            throw new OperationCanceledException(reason, ex, session.Token);
        }
    }

    // Called in stream order; the pipeline keeps this device's batches in that order.
    private Task<IngestResult> Submit(IngestBatch batch, CancellationToken ct) => pipeline.SubmitAsync(batch, ct).AsTask();

    private sealed class Session(CancellationToken outer) : IDisposable
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        private readonly Lock _lock = new();
        private bool _disposed;

        public CancellationToken Token => _cts.Token;

        public bool Superseded { get; private set; }

        public string? EndReason { get; private set; }

        public StatusCode EndStatus { get; private set; } = StatusCode.PermissionDenied;

        /// <summary>A coalescing signal: one pending wake-up is enough however many commands were queued.</summary>
        public Channel<bool> CommandsPending { get; } = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Supersede()
        {
            lock (_lock)
            {
                Superseded = true;
                if (!_disposed)
                {
                    _cts.Cancel();
                }
            }
        }

        public void End(string reason, StatusCode status)
        {
            lock (_lock)
            {
                if (EndReason is null)
                {
                    EndReason = reason;
                    EndStatus = status;
                }

                if (!_disposed)
                {
                    _cts.Cancel();
                }
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                _cts.Dispose();
            }
        }
    }
}
