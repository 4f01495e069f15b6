using System.Security.Cryptography;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Enrollment;

public sealed class EnrollmentTokenTests : IDisposable
{
    private readonly EnrollmentFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Only_the_hash_of_the_secret_is_stored()
    {
        IssuedEnrollmentToken issued = await _f.Service.CreateTokenAsync(
            TenantScope.For(_f.A.Id), _f.A.Id, _f.SegmentIdA, TimeSpan.FromHours(1), 3, "admin@a");

        Assert.StartsWith("ymt_", issued.Secret, StringComparison.Ordinal);
        byte[] file = File.ReadAllBytes(_f.Temp.Path);
        string wal = _f.Temp.Path + "-wal";
        byte[] all = File.Exists(wal) ? [.. file, .. File.ReadAllBytes(wal)] : file;
        Assert.Equal(-1, all.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(issued.Secret)));
        Assert.NotEqual(-1, all.AsSpan().IndexOf(EnrollmentTokenSecret.TryHash(issued.Secret)));
    }

    [Fact]
    public async Task A_token_gives_its_uses_and_then_refuses_as_exhausted()
    {
        string token = _f.TokenForA(uses: 2);
        await _f.EnrollInA(token);
        await _f.EnrollInA(token);

        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        EnrollmentResult third = await _f.Service.EnrollAsync(token, EnrollmentFixture.EcCsr(key), "pc-03", "windows");

        Assert.Equal(EnrollmentRefusal.TokenExhausted, third.Refusal);
        Assert.NotNull(third.Token);
        Assert.DoesNotContain(token, third.Detail!, StringComparison.Ordinal);
        Assert.Equal(2, (await _f.Tenancy.ListDevicesAsync(TenantScope.For(_f.A.Id))).Count);
        Assert.Equal(0, (await _f.Store.ListAsync(TenantScope.For(_f.A.Id))).Single().UsesLeft);
    }

    [Fact]
    public async Task A_token_is_refused_once_expired()
    {
        string token = _f.TokenForA(lifetime: TimeSpan.FromHours(1));
        _f.Clock.Advance(TimeSpan.FromHours(1));

        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        EnrollmentResult result = await _f.Service.EnrollAsync(token, EnrollmentFixture.EcCsr(key), "pc-01", "windows");

        Assert.Equal(EnrollmentRefusal.TokenExpired, result.Refusal);
        Assert.Empty(await _f.Tenancy.ListDevicesAsync(TenantScope.AllTenants));
    }

    [Theory]
    [InlineData("ymt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // well-formed, never issued
    [InlineData("not-a-token")]
    [InlineData("")]
    public async Task Unknown_tokens_are_refused(string token)
    {
        _f.TokenForA();
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        EnrollmentResult result = await _f.Service.EnrollAsync(token, EnrollmentFixture.EcCsr(key), "pc-01", "windows");

        Assert.Equal(EnrollmentRefusal.TokenUnknown, result.Refusal);
        Assert.Null(result.Token);
    }

    [Fact]
    public async Task A_town_admin_cannot_create_a_token_for_another_town_or_its_segment()
    {
        await Assert.ThrowsAsync<TenantScopeException>(async () =>
            await _f.Service.CreateTokenAsync(TenantScope.For(_f.A.Id), _f.B.Id, _f.SegmentIdB, TimeSpan.FromHours(1), 1, "admin@a"));
        await Assert.ThrowsAsync<TenantScopeException>(async () =>
            await _f.Service.CreateTokenAsync(TenantScope.For(_f.A.Id), _f.A.Id, _f.SegmentIdB, TimeSpan.FromHours(1), 1, "admin@a"));
        Assert.Empty(await _f.Store.ListAsync(TenantScope.AllTenants));
    }

    [Fact]
    public async Task Tokens_are_listed_and_deleted_only_within_the_scope()
    {
        _f.TokenForA();
        EnrollmentToken token = (await _f.Store.ListAsync(TenantScope.For(_f.A.Id))).Single();

        Assert.Empty(await _f.Store.ListAsync(TenantScope.For(_f.B.Id)));
        Assert.False(await _f.Store.DeleteAsync(TenantScope.For(_f.B.Id), token.Id));
        Assert.Single(await _f.Store.ListAsync(TenantScope.AllTenants));
        Assert.True(await _f.Store.DeleteAsync(TenantScope.For(_f.A.Id), token.Id));
        Assert.Empty(await _f.Store.ListAsync(TenantScope.AllTenants));
    }

    [Fact]
    public async Task A_token_enrolls_into_its_own_tenant_and_segment()
    {
        (EnrollmentResult result, _) = await _f.EnrollInA();

        Device device = (await _f.Tenancy.GetDeviceAsync(TenantScope.For(_f.A.Id), result.Device!.Value))!;
        Assert.Equal(_f.A.Id, result.Tenant);
        Assert.Equal(_f.SegmentIdA, device.Segment);
        Assert.Equal("pc-01", device.Hostname);
        Assert.Equal("windows 10.0.22631", device.Os);
        Assert.Null(await _f.Tenancy.GetDeviceAsync(TenantScope.For(_f.B.Id), result.Device!.Value));
    }

    [Fact]
    public async Task Racing_agents_cannot_get_more_uses_than_the_token_has()
    {
        string token = _f.TokenForA(uses: 3);
        byte[] hash = EnrollmentTokenSecret.TryHash(token)!;
        DateTimeOffset now = _f.Clock.GetUtcNow();

        TokenRedemption[] results = await Task.WhenAll(
            Enumerable.Range(0, 12).Select(_ => Task.Run(async () => await _f.Store.RedeemAsync(hash, now))));

        Assert.Equal(3, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(TokenRefusal.Exhausted, r.Refusal));
    }

    [Fact]
    public async Task A_refused_CSR_does_not_spend_a_use()
    {
        string token = _f.TokenForA(uses: 1);
        using RSA weak = RSA.Create(1024);
        string weakCsr = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=pc-01", weak, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();

        EnrollmentResult refused = await _f.Service.EnrollAsync(token, weakCsr, "pc-01", "windows");

        Assert.Equal(EnrollmentRefusal.KeyNotAcceptable, refused.Refusal);
        Assert.Contains("1024", refused.Detail, StringComparison.Ordinal);
        await _f.EnrollInA(token);
    }
}
