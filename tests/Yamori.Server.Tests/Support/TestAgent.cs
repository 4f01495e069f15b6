using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Grpc.Core;
using Grpc.Net.Client;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Api;

namespace Yamori.Server.Tests.Support;

/// <summary>
/// An agent as the cloud sees one: its own key, enrollment over HTTPS, and the gRPC stream over
/// mutual TLS, trusting only the cloud's CA. Deliberately written against the wire, not against
/// cloud internals, so it can only do what a real agent can.
/// </summary>
public sealed class TestAgent : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestAgent(X509Certificate2 trustedCa) => TrustedCa = trustedCa;

    public X509Certificate2 TrustedCa { get; }

    public X509Certificate2? Certificate { get; private set; }

    public EnrollResponse? Identity { get; private set; }

    /// <summary>An HTTPS client that trusts only <see cref="TrustedCa"/> for the server.</summary>
    public static HttpClient ApiClient(Uri api, X509Certificate2 trustedCa, X509Certificate2? clientCertificate = null) =>
        new(Handler(trustedCa, clientCertificate), disposeHandler: true) { BaseAddress = api };

    public static SocketsHttpHandler Handler(X509Certificate2 trustedCa, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, trustedCa);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return handler;
    }

    public async Task<HttpResponseMessage> TryEnrollAsync(Uri api, string token, string hostname = "pc-001")
    {
        var csr = new CertificateRequest("CN=ignored-by-cloud", _key, HashAlgorithmName.SHA256);
        using HttpClient client = ApiClient(api, TrustedCa);
        return await client.PostAsJsonAsync("api/v1/enroll", new EnrollRequest(token, csr.CreateSigningRequestPem(), hostname, "windows 10.0.22631"));
    }

    public async Task<EnrollResponse> EnrollAsync(Uri api, string token, string hostname = "pc-001")
    {
        using HttpResponseMessage response = await TryEnrollAsync(api, token, hostname);
        response.EnsureSuccessStatusCode();
        Identity = (await response.Content.ReadFromJsonAsync<EnrollResponse>())!;
        using X509Certificate2 leaf = X509Certificate2.CreateFromPem(Identity.CertificateChainPem);
        UseCertificate(leaf);
        return Identity;
    }

    /// <summary>Replaces the client certificate (for refusal tests: foreign CA, expired, …).</summary>
    public void UseCertificate(X509Certificate2 publicPart, ECDsa? key = null)
    {
        using X509Certificate2 withKey = publicPart.CopyWithPrivateKey(key ?? _key);

        // Through PKCS#12: SslStream on Linux wants a key it can hand to OpenSSL.
        Certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public GrpcChannel OpenChannel(Uri agentEndpoint) =>
        GrpcChannel.ForAddress(agentEndpoint, new GrpcChannelOptions { HttpHandler = Handler(TrustedCa, Certificate), DisposeHttpClient = true });

    public static AgentMessage Batch(ulong sequence, int events, string commandLine = "cmd.exe /c whoami")
    {
        var batch = new EventBatch { Sequence = sequence };
        for (int i = 0; i < events; i++)
        {
            var e = new Event
            {
                Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Logsource = new LogSource { Product = "windows", Category = "process_creation" },
            };
            e.Fields.Add(new Field { Name = "Image", StringValue = @"C:\Windows\System32\cmd.exe" });
            e.Fields.Add(new Field { Name = "CommandLine", StringValue = commandLine });
            batch.Events.Add(e);
        }

        return new AgentMessage { Batch = batch };
    }

    /// <summary>Reads until an ack of at least <paramref name="sequence"/> arrives.</summary>
    public static async Task<ulong> WaitForAckAsync(IAsyncStreamReader<CloudMessage> responses, ulong sequence, CancellationToken ct)
    {
        while (await responses.MoveNext(ct))
        {
            if (responses.Current.BodyCase == CloudMessage.BodyOneofCase.Ack && responses.Current.Ack.Sequence >= sequence)
            {
                return responses.Current.Ack.Sequence;
            }
        }

        throw new InvalidOperationException($"stream ended before ack {sequence}");
    }

    public void Dispose()
    {
        Certificate?.Dispose();
        _key.Dispose();
    }

    private static bool ChainsTo(X509Certificate? presented, X509Certificate2 root)
    {
        if (presented is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(presented);
        return chain.Build(leaf);
    }
}
