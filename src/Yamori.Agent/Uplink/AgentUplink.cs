using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Compression;
using Microsoft.Extensions.Logging;
using Yamori.Agent.Enrollment;
using Yamori.Agent.Health;
using Yamori.Agent.Hosting;
using Yamori.Agent.Pipeline;
using Yamori.Agent.Spool;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Uplink;

/// <summary>
/// The one connection to the cloud: the <c>AgentChannel.Connect</c> stream over mutual TLS,
/// gzip-compressed. It re-sends what the spool holds unacknowledged, then cuts and sends new
/// batches within the cloud's flow control, sends heartbeats, and hands commands to the dispatcher.
/// A broken connection is retried with jittered exponential backoff; nothing is forgotten until the
/// cloud acknowledges it.
/// </summary>
public sealed partial class AgentUplink : IDisposable
{
    private const int ChunkBytes = 256 << 10;

    private readonly AgentIdentity _identity;
    private readonly ISpool _spool;
    private readonly TelemetryPipeline _pipeline;
    private readonly Func<Command, CancellationToken, Task<CommandResult>>? _commands;
    private readonly ResourceGovernor _governor;
    private readonly AgentOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly GrpcChannel _channel;
    private readonly AgentChannel.AgentChannelClient _client;
    private readonly Func<IReadOnlyDictionary<string, ulong>>? _externalDrops;
    private CancellationToken _runToken;
    private volatile UplinkSession? _current;

    public AgentUplink(
        AgentIdentity identity,
        ISpool spool,
        TelemetryPipeline pipeline,
        Func<Command, CancellationToken, Task<CommandResult>>? commands,
        ResourceGovernor governor,
        AgentOptions options,
        ILogger logger,
        TimeProvider? time = null,
        Func<IReadOnlyDictionary<string, ulong>>? externalDrops = null)
    {
        _identity = identity;
        _spool = spool;
        _pipeline = pipeline;
        _commands = commands;
        _governor = governor;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _externalDrops = externalDrops;
        _channel = GrpcChannel.ForAddress(identity.Info.AgentEndpoint, new GrpcChannelOptions
        {
            HttpHandler = AgentEnroller.Handler(identity.Ca, identity.ClientCertificate),
            DisposeHttpClient = true,
            CompressionProviders = [new GzipCompressionProvider(System.IO.Compression.CompressionLevel.Fastest)],
            MaxReceiveMessageSize = 16 << 20,
        });
        _client = new AgentChannel.AgentChannelClient(_channel);
    }

    /// <summary>Connections opened so far (for status and tests).</summary>
    public int Connections { get; private set; }

    /// <summary>True while a stream is open and the cloud has told us its watermark.</summary>
    public bool Connected { get; private set; }

    /// <summary>The cloud's last acknowledged sequence.</summary>
    public ulong Acknowledged { get; private set; }

    public static string AgentVersion { get; } =
        typeof(AgentUplink).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Runs until cancelled, reconnecting as needed.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _runToken = cancellationToken;
        var backoff = new Backoff(_options.ReconnectMin, _options.ReconnectMax);
        while (!cancellationToken.IsCancellationRequested)
        {
            long started = _time.GetTimestamp();
            try
            {
                await RunConnectionAsync(cancellationToken);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: the cancelled call surfaces as RpcException(Cancelled) or OperationCanceledException.
                return;
            }
            catch (Exception e)
            {
                // Whatever ended this connection (the network, the cloud, a spool error), the agent
                // keeps trying: an uplink that stops silently would strand the spool.
                LogDisconnected(_logger, e.GetType().Name, e.Message);
            }
            finally
            {
                Connected = false;
            }

            // A connection that lived a while was healthy: start the backoff over.
            if (_time.GetElapsedTime(started) > TimeSpan.FromMinutes(1))
            {
                backoff.Reset();
            }

            try
            {
                await Task.Delay(backoff.Next(), _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sends a collected file on its own call (see <see cref="GrpcFileUploader"/>).</summary>
    internal async Task UploadAsync(string commandId, Stream content, long length, string sha256, CancellationToken cancellationToken)
    {
        using AsyncClientStreamingCall<FileChunk, UploadReceipt> call = _client.UploadFile(cancellationToken: cancellationToken);
        byte[] buffer = new byte[ChunkBytes];
        bool first = true;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0 || first)
        {
            var chunk = new FileChunk { Data = Google.Protobuf.ByteString.CopyFrom(buffer, 0, read) };
            if (first)
            {
                chunk.CommandId = commandId;
                chunk.Sha256 = sha256;
                chunk.SizeBytes = (ulong)length;
                first = false;
            }

            await call.RequestStream.WriteAsync(chunk, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        UploadReceipt receipt = await call.ResponseAsync;
        if (!string.Equals(receipt.Sha256, sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"the cloud stored a file with SHA-256 {receipt.Sha256}, not {sha256}");
        }
    }

    public void Dispose() => _channel.Dispose();

    private async Task RunConnectionAsync(CancellationToken cancellationToken)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var headers = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        using AsyncDuplexStreamingCall<AgentMessage, CloudMessage> call = _client.Connect(headers, cancellationToken: connection.Token);
        Connections++;
        var session = new UplinkSession(call.RequestStream);

        // Results of commands still running go to the newest stream (writes need no greeting).
        _current = session;

        // The cloud speaks first: its watermark (what it already holds) and its limits.
        await ReadGreetingAsync(call.ResponseStream, session, connection.Token);
        Connected = true;
        LogConnected(_logger, _identity.Info.AgentEndpoint, Acknowledged, _spool.Stats.LastAssignedSequence);

        Task reader = ReadAsync(call.ResponseStream, session, connection.Token);
        Task sender = SendAsync(session, connection.Token);
        Task finished = await Task.WhenAny(reader, sender);
        await connection.CancelAsync();
        try
        {
            await Task.WhenAll(reader, sender);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The other half ended the connection; its own exception (if any) is rethrown below.
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && !cancellationToken.IsCancellationRequested)
        {
        }

        await finished; // surfaces why the connection ended
    }

    private async Task ReadGreetingAsync(IAsyncStreamReader<CloudMessage> responses, UplinkSession session, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!session.GreetingComplete)
        {
            if (!await responses.MoveNext(timeout.Token))
            {
                throw new IOException("the cloud closed the stream before acknowledging the connection");
            }

            CloudMessage message = responses.Current;
            if (message.BodyCase == CloudMessage.BodyOneofCase.Command)
            {
                // A command may overtake the watermark: carry it out now, not at the next reconnect.
                _ = RunCommandAsync(message.Command, session);
                continue;
            }

            Handle(message, session);
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<CloudMessage> responses, UplinkSession session, CancellationToken cancellationToken)
    {
        while (await responses.MoveNext(cancellationToken))
        {
            CloudMessage message = responses.Current;
            if (message.BodyCase == CloudMessage.BodyOneofCase.Command)
            {
                _ = RunCommandAsync(message.Command, session);
                continue;
            }

            Handle(message, session);
        }

        throw new IOException("the cloud ended the stream");
    }

    private void Handle(CloudMessage message, UplinkSession session)
    {
        switch (message.BodyCase)
        {
            case CloudMessage.BodyOneofCase.Ack:
                ulong sequence = message.Ack.Sequence;
                if (session.AwaitingWatermark && sequence > _spool.Stats.LastAssignedSequence)
                {
                    // The cloud holds more than this spool ever numbered (spool lost or reset):
                    // continue after it, or every new batch would be taken for a re-send and
                    // silently discarded. Waiting batches are renumbered after the watermark.
                    LogSequenceAhead(_logger, sequence, _spool.Stats.LastAssignedSequence);
                    _spool.EnsureSequenceAbove(sequence);
                }
                else if (sequence > 0)
                {
                    _spool.Acknowledge(sequence);
                }

                Acknowledged = Math.Max(Acknowledged, sequence);
                session.OnAck(sequence);
                break;
            case CloudMessage.BodyOneofCase.FlowControl:
                session.OnFlowControl(message.FlowControl);
                break;
            case CloudMessage.BodyOneofCase.BatchRejected:
                BatchRejected rejected = message.BatchRejected;
                LogRejected(_logger, rejected.Sequence, rejected.Reason.ToString(), rejected.Message);
                _spool.Reject(rejected.Sequence, "rejected_" + rejected.Reason.ToString().ToLowerInvariant());
                session.OnRejected(rejected.Sequence);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Runs under the agent's lifetime, not the connection's: a stream hiccup must not abort an
    /// isolation or an upload halfway. The result goes to the stream open when it is ready.
    /// </summary>
    private async Task RunCommandAsync(Command command, UplinkSession startedOn)
    {
        CancellationToken cancellationToken = _runToken;
        CommandResult result;
        if (_commands is null)
        {
            result = new CommandResult { CommandId = command.Id, Status = CommandStatus.Rejected, Message = "this agent carries out no commands" };
        }
        else
        {
            try
            {
                result = await _commands(command, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result = new CommandResult { CommandId = command.Id, Status = CommandStatus.Failed, Message = e.Message };
            }
        }

        result.FinishedAt ??= Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(_time.GetUtcNow());
        LogCommand(_logger, command.Id, command.Kind.ToString(), result.Status.ToString());
        UplinkSession session = _current ?? startedOn; // the newest stream, which may not be the one it came on
        try
        {
            await session.WriteAsync(new AgentMessage { CommandResult = result }, cancellationToken);
        }
        catch (Exception e) when (e is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
            // The stream broke: the cloud re-delivers the command on reconnect, and the dispatcher's
            // journal answers it with this same result without running it again.
            LogResultLost(_logger, command.Id, e.Message);
        }
    }
}
