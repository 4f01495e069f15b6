using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Bench.CloudLoad;

/// <summary>
/// One agent as the cloud sees it: its own P-256 key, enrollment with a token, and the gRPC stream
/// over mutual TLS, sending batches with up to 8 unacknowledged (the real agent's window).
/// </summary>
internal sealed class SimulatedAgent : IDisposable
{
    private const int Window = 8;

    // AgentChannel.Connect with requests written as ready-made bytes (see EncodedMix).
    private static readonly Method<byte[], CloudMessage> Connect = new(
        MethodType.DuplexStreaming,
        AgentChannel.Descriptor.FullName,
        "Connect",
        Marshallers.Create(static (byte[] bytes) => bytes, static bytes => bytes),
        Marshallers.Create(static (CloudMessage message) => message.ToByteArray(), CloudMessage.Parser.ParseFrom));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private X509Certificate2? _certificate;

    public SimulatedAgent(X509Certificate2 ca) => _ca = ca;

    /// <summary>Events acknowledged (durably committed by the cloud).</summary>
    public long AckedEvents;

    public static SocketsHttpHandler Handler(X509Certificate2 ca, X509Certificate2? client)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            if (cert is null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(cert);
            return chain.Build(leaf);
        };
        if (client is not null)
        {
            handler.SslOptions.ClientCertificates = [client];
        }

        return handler;
    }

    public async Task EnrollAsync(HttpClient api, string token, string hostname)
    {
        var csr = new CertificateRequest("CN=agent", _key, HashAlgorithmName.SHA256);
        using HttpResponseMessage response = await api.PostAsJsonAsync("api/v1/enroll", new { token, csrPem = csr.CreateSigningRequestPem(), hostname, os = "windows 10.0.22631" });
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
        using X509Certificate2 leaf = X509Certificate2.CreateFromPem(body["certificateChainPem"]);
        using X509Certificate2 withKey = leaf.CopyWithPrivateKey(_key);
        _certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Why the stream ended early (the bench reports it), or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>Streams until <paramref name="ct"/> fires, cycling through <paramref name="events"/> from <paramref name="offset"/>.</summary>
    /// <param name="eventsPerSecond">0: as fast as the cloud acknowledges (closed loop); else a paced, open-loop rate.</param>
    /// <remarks>
    /// A stream that fails before anything was acknowledged (a TLS or HTTP/2 handshake lost while a
    /// thousand agents connect at once) is opened again, as a real agent would; one that fails later
    /// ends this agent with <see cref="Failure"/> set instead of the whole run.
    /// </remarks>
    public async Task RunAsync(Uri endpoint, EncodedMix events, int offset, int batchSize, double eventsPerSecond, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await StreamAsync(endpoint, events, offset, batchSize, eventsPerSecond, ct);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OperationCanceledException and not RpcException { StatusCode: StatusCode.Cancelled })
            {
                if (Interlocked.Read(ref AckedEvents) > 0 || attempt == 5)
                {
                    Failure = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{e.GetType().Name}: {e.Message}";
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(attempt), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                // The run is over: HTTP/2 may report the torn-down stream as aborted (Unavailable)
                // rather than cancelled, and that is not this agent's failure.
                return;
            }
        }
    }

    private async Task StreamAsync(Uri endpoint, EncodedMix events, int offset, int batchSize, double eventsPerSecond, CancellationToken ct)
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = Handler(_ca, _certificate), DisposeHttpClient = true });
        using AsyncDuplexStreamingCall<byte[], CloudMessage> call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(Connect, null, new CallOptions(cancellationToken: ct));
        using var window = new SemaphoreSlim(Window, Window);
        var sizes = new System.Collections.Concurrent.ConcurrentDictionary<ulong, int>();
        Task reader = Task.Run(
            async () =>
            {
                ulong acked = 0;
                while (await call.ResponseStream.MoveNext(ct))
                {
                    if (call.ResponseStream.Current.BodyCase != CloudMessage.BodyOneofCase.Ack)
                    {
                        continue;
                    }

                    ulong ack = call.ResponseStream.Current.Ack.Sequence;
                    for (ulong s = acked + 1; s <= ack; s++)
                    {
                        if (sizes.TryRemove(s, out int n))
                        {
                            Interlocked.Add(ref AckedEvents, n);
                            window.Release();
                        }
                    }

                    acked = Math.Max(acked, ack);
                }
            },
            ct);

        try
        {
            int next = offset;
            TimeSpan interval = eventsPerSecond > 0 ? TimeSpan.FromSeconds(batchSize / eventsPerSecond) : TimeSpan.Zero;

            // Paced agents start spread over one interval, as a real fleet's do.
            DateTimeOffset due = DateTimeOffset.UtcNow + (interval * (offset % 997 / 997.0));
            for (ulong sequence = 1; !ct.IsCancellationRequested; sequence++)
            {
                if (interval > TimeSpan.Zero)
                {
                    TimeSpan wait = due - DateTimeOffset.UtcNow;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, ct);
                    }

                    due += interval;
                }

                await window.WaitAsync(ct);

                // Stamped now: alert latency is measured from the moment the agent ships the event.
                Timestamp now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
                byte[] batch = events.Batch(sequence, next, batchSize, now, out next);
                sizes[sequence] = batchSize;
                await call.RequestStream.WriteAsync(batch, ct);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }

        try
        {
            await reader;
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
    }

    public void Dispose()
    {
        _certificate?.Dispose();
        _key.Dispose();
    }
}
