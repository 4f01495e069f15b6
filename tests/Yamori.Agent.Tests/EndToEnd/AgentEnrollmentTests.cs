using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Agent.Enrollment;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Tests.Support;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>`yamori-agent enroll` against a real cloud: CA pinning, the key kept owner-only, refusals named.</summary>
public sealed class AgentEnrollmentTests : IAsyncLifetime
{
    private CloudFixture _cloud = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _cloud = await CloudFixture.StartAsync();
        _dir = Path.Combine(Path.GetTempPath(), "yamori-agent-tests", Guid.NewGuid().ToString("N"));
    }

    public async Task DisposeAsync()
    {
        await _cloud.DisposeAsync();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private string CaSha256()
    {
        using X509Certificate2 ca = _cloud.Get<CloudCertificateAuthority>().Certificate;
        return ca.GetCertHashString(HashAlgorithmName.SHA256);
    }

    [Fact]
    public async Task Enrollment_stores_an_owner_only_identity_that_the_cloud_recognises()
    {
        string token = await _cloud.CreateTokenAsync(_cloud.TownA);
        string identityDir = Path.Combine(_dir, "identity");

        IdentityInfo info = await AgentEnroller.EnrollAsync(_cloud.ApiUri, token, CaSha256().ToLowerInvariant(), identityDir, "pc-karuizawa-01");

        Assert.Equal(_cloud.TownA.Id.ToString(), info.TenantId);
        Assert.Equal(_cloud.AgentUri.ToString(), info.AgentEndpoint);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(identityDir));
        foreach (string file in Directory.GetFiles(identityDir))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.Contains("PRIVATE KEY", File.ReadAllText(Path.Combine(identityDir, "device.key")), StringComparison.Ordinal);

        using AgentIdentity identity = AgentIdentity.Load(identityDir);
        Assert.True(identity.ClientCertificate.HasPrivateKey);
        Device? device = await _cloud.Get<ITenancyStore>().GetDeviceAsync(TenantScope.For(_cloud.TownA.Id), DeviceId.Parse(info.DeviceId));
        Assert.NotNull(device);
        Assert.Equal("pc-karuizawa-01", device.Hostname);

        // A second enrollment of the same directory is refused instead of overwriting the identity.
        string second = await _cloud.CreateTokenAsync(_cloud.TownA);
        var again = await Assert.ThrowsAsync<AgentIdentityException>(() => AgentEnroller.EnrollAsync(_cloud.ApiUri, second, CaSha256(), identityDir));
        Assert.Contains("already enrolled", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_CA_fingerprint_stops_enrollment_before_the_token_is_sent()
    {
        string token = await _cloud.CreateTokenAsync(_cloud.TownA);
        string wrong = Convert.ToHexString(SHA256.HashData("not the cloud"u8));

        var refused = await Assert.ThrowsAsync<AgentIdentityException>(() => AgentEnroller.EnrollAsync(_cloud.ApiUri, token, wrong, Path.Combine(_dir, "a")));
        Assert.Contains("refusing to send the token", refused.Message, StringComparison.Ordinal);
        Assert.False(AgentIdentity.Exists(Path.Combine(_dir, "a")));

        // The one-use token was never presented, so it still enrolls with the right pin.
        IdentityInfo info = await AgentEnroller.EnrollAsync(_cloud.ApiUri, token, CaSha256(), Path.Combine(_dir, "b"));
        Assert.Equal(_cloud.TownA.Id.ToString(), info.TenantId);
    }

    [Fact]
    public async Task A_refused_token_is_named_and_leaves_no_identity()
    {
        var refused = await Assert.ThrowsAsync<AgentIdentityException>(() => AgentEnroller.EnrollAsync(_cloud.ApiUri, "not-a-token", CaSha256(), Path.Combine(_dir, "c")));
        Assert.Contains("refused enrollment (4", refused.Message, StringComparison.Ordinal);
        Assert.False(AgentIdentity.Exists(Path.Combine(_dir, "c")));
    }

    [Fact]
    public async Task Plain_http_is_refused_before_anything_is_sent()
    {
        var e = await Assert.ThrowsAsync<AgentIdentityException>(() => AgentEnroller.EnrollAsync(new Uri("http://127.0.0.1:9/"), "ymt_secret", CaSha256(), Path.Combine(_dir, "d")));
        Assert.Contains("https://", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ymt_secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_a_server_certificate_of_the_cloud_CA_is_trusted_not_another_devices_certificate()
    {
        CloudCertificateAuthority authority = _cloud.Get<CloudCertificateAuthority>();
        using X509Certificate2 ca = authority.Certificate;
        using X509Certificate2 server = authority.IssueServerCertificate(["localhost"], [System.Net.IPAddress.Loopback], DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        Assert.True(AgentEnroller.ChainsTo(server, ca));

        // A device certificate chains to the same root, but it is for clients only: a stolen device
        // key must not let one host pose as the cloud to the others.
        string token = await _cloud.CreateTokenAsync(_cloud.TownA);
        string identityDir = Path.Combine(_dir, "e");
        await AgentEnroller.EnrollAsync(_cloud.ApiUri, token, CaSha256(), identityDir);
        using AgentIdentity identity = AgentIdentity.Load(identityDir);
        Assert.False(AgentEnroller.ChainsTo(identity.ClientCertificate, ca));

        // And nothing from another CA.
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=other", otherKey, HashAlgorithmName.SHA256);
        using X509Certificate2 selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.False(AgentEnroller.ChainsTo(selfSigned, ca));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    public void A_malformed_fingerprint_is_refused_with_the_reason(string value)
    {
        var e = Assert.Throws<AgentIdentityException>(() => AgentEnroller.NormalizeFingerprint(value));
        Assert.Contains("--ca-sha256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Colon_separated_and_prefixed_fingerprints_are_accepted()
    {
        string hex = Convert.ToHexString(SHA256.HashData("x"u8));
        string colons = string.Join(':', Enumerable.Range(0, 32).Select(i => hex.Substring(i * 2, 2)));
        Assert.Equal(hex, AgentEnroller.NormalizeFingerprint(colons.ToLowerInvariant()));
        Assert.Equal(hex, AgentEnroller.NormalizeFingerprint("sha256:" + hex));
    }
}
