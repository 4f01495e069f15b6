using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Yamori.Agent.Hosting;

namespace Yamori.Agent.Enrollment;

/// <summary>
/// Who this agent is to the cloud: its private key (generated here, never sent), the certificate
/// the cloud's CA issued for it, the CA it trusts for the server, and where to connect. Stored in
/// the identity directory; the key file is owner-only (0600) and the directory 0700.
/// </summary>
public sealed class AgentIdentity : IDisposable
{
    private const string KeyFile = "device.key";
    private const string CertificateFile = "device.crt";
    private const string CaFile = "ca.crt";
    private const string InfoFile = "identity.json";

    private AgentIdentity(X509Certificate2 clientCertificate, X509Certificate2 ca, IdentityInfo info)
    {
        ClientCertificate = clientCertificate;
        Ca = ca;
        Info = info;
    }

    /// <summary>The device certificate with its private key, ready for TLS.</summary>
    public X509Certificate2 ClientCertificate { get; }

    /// <summary>The cloud's CA: the only issuer trusted for the server's certificate.</summary>
    public X509Certificate2 Ca { get; }

    public IdentityInfo Info { get; }

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, InfoFile));

    /// <summary>Loads the identity; a missing or damaged file is named in the exception.</summary>
    public static AgentIdentity Load(string directory)
    {
        string infoPath = Path.Combine(directory, InfoFile);
        if (!File.Exists(infoPath))
        {
            throw new AgentIdentityException($"not enrolled: {infoPath} does not exist (run `yamori-agent enroll --server URL --token TOKEN --ca-sha256 HASH`)");
        }

        IdentityInfo info;
        try
        {
            info = JsonSerializer.Deserialize(File.ReadAllText(infoPath), AgentJsonContext.Default.IdentityInfo)
                ?? throw new AgentIdentityException($"{infoPath}: empty");
        }
        catch (JsonException e)
        {
            throw new AgentIdentityException($"{infoPath}: not valid JSON ({e.Message})", e);
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(Path.Combine(directory, KeyFile)));
            using X509Certificate2 leaf = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, CertificateFile)));
            using X509Certificate2 withKey = leaf.CopyWithPrivateKey(key);

            // Through PKCS#12: SslStream on Linux wants a key it can hand to OpenSSL.
            X509Certificate2 client = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
            X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, CaFile)));
            return new AgentIdentity(client, ca, info);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new AgentIdentityException($"{directory}: the device key or certificates cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Writes a new identity atomically enough: every file first, the info file (the "enrolled" marker) last.</summary>
    public static void Save(string directory, ECDsa key, string certificatePem, string caPem, IdentityInfo info)
    {
        CreatePrivateDirectory(directory);
        WritePrivate(Path.Combine(directory, KeyFile), key.ExportPkcs8PrivateKeyPem());
        WritePrivate(Path.Combine(directory, CertificateFile), certificatePem);
        WritePrivate(Path.Combine(directory, CaFile), caPem);
        WritePrivate(Path.Combine(directory, InfoFile), JsonSerializer.Serialize(info, AgentJsonContext.Default.IdentityInfo));
    }

    public static void CreatePrivateDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose()
    {
        ClientCertificate.Dispose();
        Ca.Dispose();
    }

    private static void WritePrivate(string path, string content)
    {
        string temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created 0600 from the first byte: the key is never readable by others, not even briefly.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>The non-secret part of the identity.</summary>
public sealed record IdentityInfo(string TenantId, string DeviceId, string ApiEndpoint, string AgentEndpoint, string CaSha256, DateTimeOffset EnrolledAt);

public sealed class AgentIdentityException : Exception
{
    public AgentIdentityException()
    {
    }

    public AgentIdentityException(string message)
        : base(message)
    {
    }

    public AgentIdentityException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
