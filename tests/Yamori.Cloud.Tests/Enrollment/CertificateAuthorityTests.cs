using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Enrollment;

namespace Yamori.Cloud.Tests.Enrollment;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly ManualClock _clock = new(Events.T0);

    private string DataDirectory => Path.Combine(_temp.Directory, "data");

    private CertificateAuthorityFiles Files => CertificateAuthorityFiles.In(DataDirectory);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void First_start_creates_a_P384_root_valid_ten_years_with_owner_only_key_files()
    {
        using CloudCertificateAuthority ca = CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock);
        using X509Certificate2 root = ca.Certificate;

        Assert.True(File.Exists(Files.Certificate));
        Assert.False(root.HasPrivateKey);
        using ECDsa? key = root.GetECDsaPublicKey();
        Assert.Equal(384, key!.KeySize);
        Assert.True(root.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.InRange(root.NotAfter.ToUniversalTime() - Events.T0.UtcDateTime, TimeSpan.FromDays(3650), TimeSpan.FromDays(3653));
        Assert.Contains("ENCRYPTED PRIVATE KEY", File.ReadAllText(Files.PrivateKey), StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN PRIVATE KEY", File.ReadAllText(Files.PrivateKey), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Files.KeyEncryptionKey));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Files.PrivateKey));
        }
    }

    [Fact]
    public void Restart_loads_the_same_CA_and_it_still_signs()
    {
        string thumbprint;
        using (CloudCertificateAuthority first = CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock))
        {
            thumbprint = first.Certificate.Thumbprint;
        }

        byte[] keyBefore = File.ReadAllBytes(Files.PrivateKey);
        _clock.Advance(TimeSpan.FromDays(30));
        using CloudCertificateAuthority second = CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock);

        Assert.Equal(thumbprint, second.Certificate.Thumbprint);
        Assert.Equal(keyBefore, File.ReadAllBytes(Files.PrivateKey));
        using ECDsa device = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var binding = new DeviceBinding(Yamori.Cloud.Tenancy.TenantId.New(), Yamori.Cloud.Tenancy.DeviceId.New());
        using X509Certificate2 leaf = second.IssueClientCertificate(
            new CertificateRequest("CN=x", device, HashAlgorithmName.SHA256).PublicKey, binding, Events.T0, Events.T0.AddDays(1));
        using X509Certificate2 root = second.Certificate;
        Assert.Equal(root.Subject, leaf.Issuer);

        // The reloaded key is the certificate's key: the leaf's signature verifies under the root's public key.
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = Events.T0.AddHours(1).UtcDateTime;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        chain.Dispose();
    }

    [Theory]
    [InlineData("key")]
    [InlineData("cert")]
    [InlineData("kek")]
    public void A_corrupt_file_is_refused_by_name_and_left_untouched(string which)
    {
        CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock).Dispose();
        string path = which switch { "key" => Files.PrivateKey, "cert" => Files.Certificate, _ => Files.KeyEncryptionKey };
        byte[] damaged = File.ReadAllBytes(path);
        damaged[damaged.Length / 2] ^= 0x5A;
        damaged[(damaged.Length / 2) + 1] ^= 0x21;
        File.WriteAllBytes(path, damaged);
        string[] all = [Files.Certificate, Files.PrivateKey, Files.KeyEncryptionKey];
        byte[][] before = all.Select(File.ReadAllBytes).ToArray();

        var ex = Assert.Throws<CertificateAuthorityCorruptedException>(() => CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock));

        // A damaged KEK shows up as an undecryptable key: the message names the key it could not open.
        Assert.Contains(which == "kek" ? Files.PrivateKey : path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, all.Select(File.ReadAllBytes).ToArray());
    }

    [Fact]
    public void A_key_from_another_CA_is_refused_as_not_matching()
    {
        CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock).Dispose();
        string other = Path.Combine(_temp.Directory, "other");
        CloudCertificateAuthority.OpenOrCreate(other, _clock).Dispose();
        CertificateAuthorityFiles otherFiles = CertificateAuthorityFiles.In(other);
        File.Copy(otherFiles.PrivateKey, Files.PrivateKey, overwrite: true);
        File.Copy(otherFiles.KeyEncryptionKey, Files.KeyEncryptionKey, overwrite: true);

        var ex = Assert.Throws<CertificateAuthorityCorruptedException>(() => CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock));
        Assert.Contains(Files.PrivateKey, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_refused_and_nothing_is_recreated()
    {
        CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock).Dispose();
        byte[] cert = File.ReadAllBytes(Files.Certificate);
        File.Delete(Files.KeyEncryptionKey);

        var ex = Assert.Throws<CertificateAuthorityCorruptedException>(() => CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock));
        Assert.Contains(Files.KeyEncryptionKey, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Files.KeyEncryptionKey));
        Assert.Equal(cert, File.ReadAllBytes(Files.Certificate));
    }

    [SkippableFact]
    public void A_key_file_readable_by_others_is_refused()
    {
        Skip.If(OperatingSystem.IsWindows(), "mode bits are a Unix notion");
        CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock).Dispose();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Files.KeyEncryptionKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        }

        var ex = Assert.Throws<CertificateAuthorityCorruptedException>(() => CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock));
        Assert.Contains(Files.KeyEncryptionKey, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_encryption_key_can_live_outside_the_data_directory()
    {
        string kek = Path.Combine(_temp.Directory, "secrets", "yamori-ca.kek");
        string thumbprint;
        using (CloudCertificateAuthority ca = CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock, kek))
        {
            thumbprint = ca.Certificate.Thumbprint;
        }

        Assert.True(File.Exists(kek));
        Assert.False(File.Exists(Files.KeyEncryptionKey));
        using CloudCertificateAuthority again = CloudCertificateAuthority.OpenOrCreate(DataDirectory, _clock, kek);
        Assert.Equal(thumbprint, again.Certificate.Thumbprint);
    }
}
