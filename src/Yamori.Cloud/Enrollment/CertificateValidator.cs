using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Enrollment;

/// <summary>Why a client certificate was refused; a value the mTLS layer audit-logs.</summary>
public enum CertificateRefusal
{
    /// <summary>Not signed by this cloud's CA (another CA, self-signed, or a broken chain).</summary>
    UntrustedIssuer = 1,
    Expired = 2,
    NotYetValid = 3,

    /// <summary>Chains to our CA but is not a client-authentication leaf (CA flag, or no clientAuth EKU).</summary>
    NotClientCertificate = 4,

    /// <summary>No binding URI, several, or one not in the canonical form.</summary>
    MalformedBinding = 5,

    /// <summary>The bound device does not exist.</summary>
    UnknownDevice = 6,

    /// <summary>The bound device exists but belongs to another tenant than the certificate claims.</summary>
    TenantMismatch = 7,
    Revoked = 8,
}

/// <summary>
/// The outcome of checking a client certificate: the tenant and device it speaks for, or the
/// refusal with a detail safe to log (serial, thumbprint, subject, never key material), plus the
/// claimed binding when one could be read, so an audit line can say who a refused device claimed to be.
/// </summary>
public sealed record CertificateValidation(DeviceBinding? Binding, CertificateRefusal? Refusal, string? Detail)
{
    public bool Succeeded => Refusal is null;

    internal static CertificateValidation Refused(CertificateRefusal refusal, string detail, DeviceBinding? claimed = null) =>
        new(claimed, refusal, detail);
}

/// <summary>
/// Decides whether a device's client certificate is acceptable, for the agent endpoint's mTLS
/// handler. Trust is this cloud's CA alone (never the operating system's store), time comes from
/// the injected clock, and the binding is checked against the device registry and revocations,
/// so a certificate cannot speak for a device of another tenant even if the CA were misused.
/// </summary>
public sealed class CertificateValidator : IDisposable
{
    private readonly X509Certificate2 _root;
    private readonly IDeviceRevocationStore _revocations;
    private readonly ITenancyStore _tenancy;
    private readonly TimeProvider _clock;

    public CertificateValidator(CloudCertificateAuthority authority, IDeviceRevocationStore revocations, ITenancyStore tenancy, TimeProvider clock)
    {
        _root = authority.Certificate;
        _revocations = revocations;
        _tenancy = tenancy;
        _clock = clock;
    }

    /// <summary>Checks <paramref name="clientCertificate"/>; the first failing check is the refusal.</summary>
    public async ValueTask<CertificateValidation> ValidateAsync(X509Certificate2 clientCertificate, CancellationToken cancellationToken = default)
    {
        string who = $"serial {clientCertificate.SerialNumber}, thumbprint {clientCertificate.GetCertHashString(HashAlgorithmName.SHA256)}";

        // Issuer first: nothing else in a certificate we did not sign means anything.
        if (!ChainsToOurRoot(clientCertificate))
        {
            return CertificateValidation.Refused(CertificateRefusal.UntrustedIssuer, $"{who}: not issued by this cloud's CA (issuer '{clientCertificate.Issuer}')");
        }

        DateTimeOffset now = _clock.GetUtcNow();
        if (now.UtcDateTime < clientCertificate.NotBefore.ToUniversalTime())
        {
            return CertificateValidation.Refused(CertificateRefusal.NotYetValid, $"{who}: valid from {clientCertificate.NotBefore.ToUniversalTime():O}");
        }

        if (now.UtcDateTime > clientCertificate.NotAfter.ToUniversalTime())
        {
            return CertificateValidation.Refused(CertificateRefusal.Expired, $"{who}: expired {clientCertificate.NotAfter.ToUniversalTime():O}");
        }

        if (!IsClientLeaf(clientCertificate))
        {
            return CertificateValidation.Refused(CertificateRefusal.NotClientCertificate, $"{who}: not a client-authentication leaf");
        }

        if (!DeviceBinding.TryRead(clientCertificate, out DeviceBinding binding, out string? error))
        {
            return CertificateValidation.Refused(CertificateRefusal.MalformedBinding, $"{who}: {error}");
        }

        // The registry, not the certificate, says which tenant a device belongs to.
        Device? device = await _tenancy.GetDeviceAsync(TenantScope.AllTenants, binding.Device, cancellationToken);
        if (device is null)
        {
            return CertificateValidation.Refused(CertificateRefusal.UnknownDevice, $"{who}: device {binding.Device} is not registered", binding);
        }

        if (device.Tenant != binding.Tenant)
        {
            return CertificateValidation.Refused(
                CertificateRefusal.TenantMismatch, $"{who}: claims tenant {binding.Tenant} for device {binding.Device} of tenant {device.Tenant}", binding);
        }

        if (await _revocations.IsRevokedAsync(binding.Device, cancellationToken))
        {
            return CertificateValidation.Refused(CertificateRefusal.Revoked, $"{who}: device {binding.Device} is revoked", binding);
        }

        return new CertificateValidation(binding, null, null);
    }

    public void Dispose() => _root.Dispose();

    private bool ChainsToOurRoot(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_root);

        // Revocation is ours (by device), not CRL/OCSP; time is checked separately against the
        // injected clock so that the refusal can say "expired" rather than "untrusted".
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = _clock.GetUtcNow().UtcDateTime;
        if (!chain.Build(certificate))
        {
            return false;
        }

        // Exactly leaf → our root: no intermediates exist, so a longer chain is not ours.
        return chain.ChainElements.Count == 2
            && chain.ChainElements[1].Certificate.RawDataMemory.Span.SequenceEqual(_root.RawDataMemory.Span);
    }

    private static bool IsClientLeaf(X509Certificate2 certificate)
    {
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            return false;
        }

        return certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .Any(e => e.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == DeviceBinding.ClientAuthOid));
    }
}
