using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Agent.Hosting;

namespace Yamori.Agent.Enrollment;

/// <summary>
/// <c>yamori-agent enroll</c>: fetch the cloud's CA and check it against the fingerprint the town
/// admin got with the token (so a machine in the middle cannot pose as the cloud), generate the
/// device key here, send a CSR with the token over TLS that now trusts only that CA, and store what
/// comes back. The private key never leaves the host.
/// </summary>
public static class AgentEnroller
{
    public static async Task<IdentityInfo> EnrollAsync(Uri server, string token, string caSha256, string identityDirectory, string? hostname = null, CancellationToken cancellationToken = default)
    {
        string pinned = NormalizeFingerprint(caSha256);
        RequireHttps(server, "--server");
        if (AgentIdentity.Exists(identityDirectory))
        {
            throw new AgentIdentityException($"already enrolled ({identityDirectory}); run `yamori-agent uninstall --purge` or remove that directory to enroll again");
        }

        string caPem = await FetchCaAsync(server, cancellationToken);
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(caPem);
        string actual = Convert.ToHexString(SHA256.HashData(ca.RawData));
        if (!string.Equals(actual, pinned, StringComparison.OrdinalIgnoreCase))
        {
            throw new AgentIdentityException($"the server's CA has fingerprint {actual}, not the expected {pinned}: refusing to send the token");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=yamori-agent", key, HashAlgorithmName.SHA256);
        var body = new EnrollRequestBody(token, csr.CreateSigningRequestPem(), hostname ?? Environment.MachineName, OsDescription());
        using HttpClient client = TrustingOnly(server, ca);
        using HttpResponseMessage response = await client.PostAsJsonAsync("api/v1/enroll", body, AgentJsonContext.Default.EnrollRequestBody, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            string detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new AgentIdentityException($"the cloud refused enrollment ({(int)response.StatusCode}): {Trim(detail)}");
        }

        EnrollResponseBody issued = await response.Content.ReadFromJsonAsync(AgentJsonContext.Default.EnrollResponseBody, cancellationToken)
            ?? throw new AgentIdentityException("the cloud answered enrollment with an empty body");
        if (!Uri.TryCreate(issued.AgentEndpoint, UriKind.Absolute, out Uri? agentEndpoint))
        {
            throw new AgentIdentityException($"the cloud named an invalid agent endpoint '{issued.AgentEndpoint}'");
        }

        RequireHttps(agentEndpoint, "the agent endpoint");
        var info = new IdentityInfo(issued.TenantId, issued.DeviceId, server.ToString(), issued.AgentEndpoint, actual, DateTimeOffset.UtcNow);
        AgentIdentity.Save(identityDirectory, key, issued.CertificateChainPem, issued.CaCertificatePem, info);
        return info;
    }

    /// <summary>A handler that accepts a server certificate only if it chains to <paramref name="ca"/> (and to nothing else).</summary>
    public static SocketsHttpHandler Handler(X509Certificate2 ca, X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler();
        var trusted = X509CertificateLoader.LoadCertificate(ca.RawData);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, trusted);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return handler;
    }

    internal static string NormalizeFingerprint(string value)
    {
        string hex = value.Trim();
        if (hex.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[7..];
        }

        hex = hex.Replace(":", "", StringComparison.Ordinal);

        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit)
            ? hex.ToUpperInvariant()
            : throw new AgentIdentityException("--ca-sha256 must be the 64 hex digits printed with the enrollment token");
    }

    /// <summary>The pin protects nothing over plain HTTP: the token would travel in clear text.</summary>
    internal static void RequireHttps(Uri uri, string what)
    {
        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new AgentIdentityException($"{what} must be an https:// address, not {uri.Scheme}://");
        }
    }

    private static async Task<string> FetchCaAsync(Uri server, CancellationToken cancellationToken)
    {
        // Nothing can be trusted yet: the CA is checked against the pinned fingerprint afterwards,
        // and nothing secret is sent on this connection.
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        using var client = new HttpClient(handler) { BaseAddress = server };
        try
        {
            return await client.GetStringAsync("api/v1/ca", cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new AgentIdentityException($"cannot reach {server} to fetch its CA: {e.Message}", e);
        }
    }

    private static HttpClient TrustingOnly(Uri server, X509Certificate2 ca) => new(Handler(ca), disposeHandler: true) { BaseAddress = server };

    internal static bool ChainsTo(X509Certificate? presented, X509Certificate2 root)
    {
        if (presented is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;

        // Device certificates chain to the same root (clientAuth only): without this, any enrolled
        // host's key could pose as the cloud to the other agents.
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        using var leaf = new X509Certificate2(presented);
        return chain.Build(leaf);
    }

    private static string OsDescription() =>
        $"{(OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsLinux() ? "linux" : "other")} {Environment.OSVersion.Version}";

    private static string Trim(string s) => s.Length <= 500 ? s : s[..500] + "…";
}

/// <summary>The cloud's enrollment request (see the cloud's <c>EnrollRequest</c>).</summary>
internal sealed record EnrollRequestBody(string Token, string CsrPem, string? Hostname, string? Os)
{
    // The token is a credential: keep it out of logs and exception messages.
    public override string ToString() => $"EnrollRequestBody {{ Hostname = {Hostname} }}";
}

internal sealed record EnrollResponseBody(string TenantId, string DeviceId, string CertificateChainPem, string CaCertificatePem, string AgentEndpoint);
