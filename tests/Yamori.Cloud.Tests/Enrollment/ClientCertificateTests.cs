using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Enrollment;

/// <summary>Issuing client certificates from CSRs, and the checks the mTLS layer will rely on.</summary>
public sealed class ClientCertificateTests : IDisposable
{
    private readonly EnrollmentFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task An_EC_CSR_gets_a_one_year_client_certificate_chaining_to_the_CA_and_bound_to_tenant_and_device()
    {
        (EnrollmentResult result, X509Certificate2 leaf) = await _f.EnrollInA();
        using (leaf)
        {
            X509Certificate2Collection chainPem = [];
            chainPem.ImportFromPem(result.CertificateChainPem);
            Assert.Equal(2, chainPem.Count);
            using X509Certificate2 root = _f.Authority.Certificate;
            Assert.Equal(root.Thumbprint, chainPem[1].Thumbprint);

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = _f.Clock.GetUtcNow().UtcDateTime;
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
            Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

            Assert.True(DeviceBinding.TryRead(leaf, out DeviceBinding binding, out string? error), error);
            Assert.Equal(new DeviceBinding(_f.A.Id, result.Device!.Value), binding);
            string sanText = leaf.Extensions.Single(e => e.Oid?.Value == "2.5.29.17").Format(false);
            Assert.Contains($"urn:yamori:tenant:{_f.A.Id}:device:{result.Device}", sanText, StringComparison.Ordinal);
            Assert.Contains(leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.2");
            Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
            Assert.DoesNotContain("pc-01", leaf.Subject, StringComparison.Ordinal); // the subject is ours, not the CSR's
            Assert.Equal(TimeSpan.FromDays(365), leaf.NotAfter - leaf.NotBefore - TimeSpan.FromMinutes(5));

            CertificateValidation validation = await _f.Validator.ValidateAsync(leaf);
            Assert.True(validation.Succeeded, validation.Detail);
            Assert.Equal(binding, validation.Binding);
        }
    }

    [Fact]
    public async Task DER_CSRs_and_RSA_2048_keys_are_accepted()
    {
        using RSA rsa = RSA.Create(2048);
        byte[] der = new CertificateRequest("CN=srv-01", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();

        EnrollmentResult result = await _f.Service.EnrollAsync(_f.TokenForA(), der, "srv-01", "windows server 2022");

        Assert.True(result.Succeeded, result.Detail);
        using X509Certificate2 leaf = EnrollmentFixture.Leaf(result);
        Assert.True((await _f.Validator.ValidateAsync(leaf)).Succeeded);
    }

    [Fact]
    public async Task A_tampered_CSR_is_refused()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] der = new CertificateRequest("CN=pc-01", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        int at = der.AsSpan().IndexOf("pc-01"u8);
        der[at + 4] = (byte)'2'; // pc-01 → pc-02 after signing

        EnrollmentResult result = await _f.Service.EnrollAsync(_f.TokenForA(), der, "pc-01", "windows");

        Assert.Equal(EnrollmentRefusal.CsrInvalid, result.Refusal);
        Assert.Empty(await _f.Tenancy.ListDevicesAsync(TenantScope.AllTenants));
    }

    [Fact]
    public async Task Garbage_instead_of_a_CSR_is_refused()
    {
        EnrollmentResult result = await _f.Service.EnrollAsync(_f.TokenForA(), "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", "pc-01", "windows");
        Assert.Equal(EnrollmentRefusal.CsrInvalid, result.Refusal);
    }

    [Theory]
    [InlineData("rsa1024")]
    [InlineData("p521")]
    public async Task Weak_or_unexpected_keys_are_refused(string kind)
    {
        string csr;
        if (kind == "rsa1024")
        {
            using RSA rsa = RSA.Create(1024);
            csr = new CertificateRequest("CN=pc-01", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
        }
        else
        {
            using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP521);
            csr = EnrollmentFixture.EcCsr(ec);
        }

        EnrollmentResult result = await _f.Service.EnrollAsync(_f.TokenForA(), csr, "pc-01", "windows");

        Assert.Equal(EnrollmentRefusal.KeyNotAcceptable, result.Refusal);
    }

    [Theory]
    [InlineData("", "windows")]
    [InlineData("pc-01", "")]
    [InlineData("pc\n01", "windows")]
    public async Task Missing_or_control_character_device_details_are_refused(string hostname, string os)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        EnrollmentResult result = await _f.Service.EnrollAsync(_f.TokenForA(), EnrollmentFixture.EcCsr(key), hostname, os);
        Assert.Equal(EnrollmentRefusal.DeviceDetailsInvalid, result.Refusal);
    }

    [Fact]
    public async Task A_certificate_from_another_CA_with_a_valid_looking_binding_is_refused()
    {
        (EnrollmentResult enrolled, X509Certificate2 genuine) = await _f.EnrollInA();
        genuine.Dispose();
        using ECDsa otherCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var otherCaRequest = new CertificateRequest("CN=Yamori Cloud Device CA, O=Yamori", otherCaKey, HashAlgorithmName.SHA384);
        otherCaRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 otherCa = otherCaRequest.CreateSelfSigned(Events.T0.AddDays(-1), Events.T0.AddYears(5));
        using ECDsa deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=forged", deviceKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new DeviceBinding(_f.A.Id, enrolled.Device!.Value).ToUri());
        leafRequest.CertificateExtensions.Add(san.Build());
        using X509Certificate2 forged = leafRequest.Create(otherCa, Events.T0.AddDays(-1), Events.T0.AddDays(30), [1, 2, 3, 4]);

        CertificateValidation result = await _f.Validator.ValidateAsync(forged);

        Assert.Equal(CertificateRefusal.UntrustedIssuer, result.Refusal);
        Assert.Null(result.Binding);
    }

    [Fact]
    public async Task An_expired_certificate_is_refused_and_a_not_yet_valid_one_too()
    {
        (_, X509Certificate2 leaf) = await _f.EnrollInA();
        using (leaf)
        {
            _f.Clock.Advance(TimeSpan.FromDays(366));
            Assert.Equal(CertificateRefusal.Expired, (await _f.Validator.ValidateAsync(leaf)).Refusal);
        }

        using X509Certificate2 future = Issue(new DeviceBinding(_f.A.Id, DeviceId.New()), _f.Clock.GetUtcNow().AddDays(1));
        Assert.Equal(CertificateRefusal.NotYetValid, (await _f.Validator.ValidateAsync(future)).Refusal);
    }

    [Fact]
    public async Task A_revoked_device_is_refused_and_only_its_own_town_can_revoke_it()
    {
        (EnrollmentResult result, X509Certificate2 leaf) = await _f.EnrollInA();
        using (leaf)
        {
            Assert.False(await _f.Service.RevokeAsync(TenantScope.For(_f.B.Id), result.Device!.Value, "lost"));
            Assert.True((await _f.Validator.ValidateAsync(leaf)).Succeeded);

            Assert.True(await _f.Service.RevokeAsync(TenantScope.For(_f.A.Id), result.Device!.Value, "laptop reported stolen"));

            CertificateValidation refused = await _f.Validator.ValidateAsync(leaf);
            Assert.Equal(CertificateRefusal.Revoked, refused.Refusal);
            Assert.Equal(result.Device, refused.Binding?.Device);
        }
    }

    [Fact]
    public async Task A_binding_of_tenant_A_for_a_device_of_tenant_B_is_refused()
    {
        string tokenB = (await _f.Service.CreateTokenAsync(TenantScope.For(_f.B.Id), _f.B.Id, _f.SegmentIdB, TimeSpan.FromHours(1), 1, "admin@b")).Secret;
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        EnrollmentResult deviceOfB = await _f.Service.EnrollAsync(tokenB, EnrollmentFixture.EcCsr(key), "sapporo-01", "windows");
        Assert.True(deviceOfB.Succeeded);

        // Signed by our own CA (as if misused): the registry still decides the tenant.
        using X509Certificate2 claim = Issue(new DeviceBinding(_f.A.Id, deviceOfB.Device!.Value), _f.Clock.GetUtcNow());
        CertificateValidation result = await _f.Validator.ValidateAsync(claim);

        Assert.Equal(CertificateRefusal.TenantMismatch, result.Refusal);
        Assert.Equal(_f.A.Id, result.Binding?.Tenant);
    }

    [Fact]
    public async Task A_binding_for_an_unregistered_device_is_refused()
    {
        using X509Certificate2 cert = Issue(new DeviceBinding(_f.A.Id, DeviceId.New()), _f.Clock.GetUtcNow());
        Assert.Equal(CertificateRefusal.UnknownDevice, (await _f.Validator.ValidateAsync(cert)).Refusal);
    }

    [Theory]
    [InlineData("urn:yamori:tenant:not-a-guid:device:00000000-0000-0000-0000-000000000001")]
    [InlineData("urn:yamori:tenant:0198C6A0-0000-7000-8000-000000000001:device:0198c6a0-0000-7000-8000-000000000002")]
    [InlineData("urn:yamori:device:0198c6a0-0000-7000-8000-000000000002")]
    public void Non_canonical_binding_URIs_do_not_parse(string uri) =>
        Assert.False(DeviceBinding.TryParse(uri, out _));

    [Fact]
    public async Task The_CA_itself_and_certificates_without_a_binding_or_with_two_are_refused()
    {
        using X509Certificate2 root = _f.Authority.Certificate;

        // The root presented as a client certificate is not a leaf under it.
        Assert.Equal(CertificateRefusal.UntrustedIssuer, (await _f.Validator.ValidateAsync(root)).Refusal);

        var binding = new DeviceBinding(_f.A.Id, DeviceId.New());
        var other = new DeviceBinding(_f.A.Id, DeviceId.New());
        Assert.False(DeviceBinding.TryRead(root, out _, out string? error));
        Assert.Contains("subject alternative name", error, StringComparison.Ordinal);

        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(binding.ToUri());
        san.AddUri(other.ToUri());
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 twoUris = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256) { CertificateExtensions = { san.Build() } }
            .CreateSelfSigned(Events.T0, Events.T0.AddDays(1));
        Assert.False(DeviceBinding.TryRead(twoUris, out _, out error));
        Assert.Contains("2 urn:yamori: URIs", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_of_our_CA_without_the_clientAuth_EKU_is_refused()
    {
        (EnrollmentResult enrolled, X509Certificate2 genuine) = await _f.EnrollInA();
        genuine.Dispose();

        // Sign with the CA's real key, read back from its files, as a server certificate would be.
        CertificateAuthorityFiles files = CertificateAuthorityFiles.In(_f.DataDirectory);
        using ECDsa caKey = ECDsa.Create();
        caKey.ImportFromEncryptedPem(File.ReadAllText(files.PrivateKey), File.ReadAllBytes(files.KeyEncryptionKey));
        using ECDsa deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=server", deviceKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new DeviceBinding(_f.A.Id, enrolled.Device!.Value).ToUri());
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 root = _f.Authority.Certificate;
        using X509Certificate2 serverOnly = request.Create(
            root.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), Events.T0.AddDays(-1), Events.T0.AddDays(30), [9, 9, 9]);

        Assert.Equal(CertificateRefusal.NotClientCertificate, (await _f.Validator.ValidateAsync(serverOnly)).Refusal);
    }

    private X509Certificate2 Issue(DeviceBinding binding, DateTimeOffset notBefore)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        PublicKey publicKey = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).PublicKey;
        return _f.Authority.IssueClientCertificate(publicKey, binding, notBefore, notBefore.AddDays(30));
    }
}
