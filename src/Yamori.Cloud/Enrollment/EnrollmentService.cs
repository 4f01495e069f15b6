using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Enrollment;

/// <summary>Why an enrollment was refused; a value the caller audit-logs.</summary>
public enum EnrollmentRefusal
{
    TokenUnknown = 1,
    TokenExpired = 2,
    TokenExhausted = 3,

    /// <summary>Not a PKCS#10 request, or its signature does not verify (tampered, or not signed by its key).</summary>
    CsrInvalid = 4,

    /// <summary>The key is not EC P-256/P-384 or RSA of at least 2048 bits.</summary>
    KeyNotAcceptable = 5,

    /// <summary>Hostname or OS missing, too long, or with control characters.</summary>
    DeviceDetailsInvalid = 6,
}

/// <summary>
/// The outcome of an enrollment. On success: the new device's ids and its certificate chain (leaf,
/// then the cloud CA) in PEM. On refusal: the reason, a detail safe to log, and the token id when
/// the token was recognised. Nothing here is secret: the token's secret never enters it.
/// </summary>
public sealed record EnrollmentResult(
    EnrollmentRefusal? Refusal,
    string? Detail,
    EnrollmentTokenId? Token,
    TenantId? Tenant,
    DeviceId? Device,
    string? CertificateChainPem)
{
    public bool Succeeded => Refusal is null;

    internal static EnrollmentResult Refused(EnrollmentRefusal refusal, string detail, EnrollmentTokenId? token = null) =>
        new(refusal, detail, token, null, null, null);
}

/// <summary>
/// Turns an enrollment token and an agent's CSR into a device and its client certificate. The
/// agent keeps its private key; the cloud sees only the CSR, checks it proves possession of that
/// key, and binds the key to a tenant and a fresh device id chosen here.
/// </summary>
public sealed class EnrollmentService(
    CloudCertificateAuthority authority,
    IEnrollmentTokenStore tokens,
    IDeviceRevocationStore revocations,
    ITenancyStore tenancy,
    TimeProvider clock)
{
    /// <summary>Client certificates are short enough that a lost laptop's key ages out within a year.</summary>
    public static readonly TimeSpan ClientCertificateValidity = TimeSpan.FromDays(365);

    // Far above any real CSR (an RSA-4096 one is ~1.7 KB of DER), low enough to bound parsing work.
    private const int MaxCsrBytes = 16 * 1024;

    /// <summary>Creates a token for a segment of the admin's tenant. The returned secret is shown once.</summary>
    /// <exception cref="TenantScopeException">The tenant is outside the scope, or the segment is not the tenant's.</exception>
    public async ValueTask<IssuedEnrollmentToken> CreateTokenAsync(
        TenantScope scope, TenantId tenant, SegmentId segment, TimeSpan lifetime, int maxUses, string createdBy, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxUses, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        DateTimeOffset now = clock.GetUtcNow();
        (string secret, byte[] hash) = EnrollmentTokenSecret.Generate();
        var token = new EnrollmentToken(EnrollmentTokenId.New(), scope.ForWrite(tenant), segment, now, now + lifetime, maxUses, maxUses, createdBy);
        await tokens.CreateAsync(scope, token, hash, cancellationToken);
        return new IssuedEnrollmentToken(token, secret);
    }

    /// <summary>Enrolls with a PEM-encoded CSR (<c>-----BEGIN CERTIFICATE REQUEST-----</c>).</summary>
    public ValueTask<EnrollmentResult> EnrollAsync(string token, string csrPem, string hostname, string os, CancellationToken cancellationToken = default)
    {
        if (csrPem.Length > MaxCsrBytes * 2)
        {
            return ValueTask.FromResult(EnrollmentResult.Refused(EnrollmentRefusal.CsrInvalid, "CSR too large"));
        }

        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA384, CertificateRequestLoadOptions.Default);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return ValueTask.FromResult(EnrollmentResult.Refused(EnrollmentRefusal.CsrInvalid, $"CSR refused: {ex.Message}"));
        }

        return EnrollAsync(token, request, hostname, os, cancellationToken);
    }

    /// <summary>Enrolls with a DER-encoded CSR.</summary>
    public ValueTask<EnrollmentResult> EnrollAsync(string token, byte[] csrDer, string hostname, string os, CancellationToken cancellationToken = default)
    {
        if (csrDer.Length > MaxCsrBytes)
        {
            return ValueTask.FromResult(EnrollmentResult.Refused(EnrollmentRefusal.CsrInvalid, "CSR too large"));
        }

        CertificateRequest request;
        try
        {
            // Default options verify the signature: the CSR must be signed by the key it carries.
            request = CertificateRequest.LoadSigningRequest(csrDer, HashAlgorithmName.SHA384, CertificateRequestLoadOptions.Default);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return ValueTask.FromResult(EnrollmentResult.Refused(EnrollmentRefusal.CsrInvalid, $"CSR refused: {ex.Message}"));
        }

        return EnrollAsync(token, request, hostname, os, cancellationToken);
    }

    /// <summary>
    /// Revokes a device of the scope's tenant: its certificate is refused from the next connection
    /// on. False when the device is not visible in the scope.
    /// </summary>
    public ValueTask<bool> RevokeAsync(TenantScope scope, DeviceId device, string reason, CancellationToken cancellationToken = default) =>
        revocations.RevokeAsync(scope, device, clock.GetUtcNow(), reason, cancellationToken);

    /// <summary>The EC curves and RSA sizes accepted for device keys; null when acceptable, else why not.</summary>
    internal static string? CheckKey(PublicKey key)
    {
        using ECDsa? ec = key.GetECDsaPublicKey();
        if (ec is not null)
        {
            string? curve = ec.ExportParameters(false).Curve.Oid?.Value;
            return curve is "1.2.840.10045.3.1.7" or "1.3.132.0.34" ? null : $"EC curve {curve ?? "(explicit)"} is not P-256 or P-384";
        }

        using RSA? rsa = key.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize >= 2048 ? null : $"RSA key of {rsa.KeySize} bits is below 2048";
        }

        return $"key algorithm {key.Oid.Value} is not EC or RSA";
    }

    private async ValueTask<EnrollmentResult> EnrollAsync(string secret, CertificateRequest request, string hostname, string os, CancellationToken cancellationToken)
    {
        // Checks that cost nothing and need no token come first, so a bad CSR never uses up a token.
        string? keyProblem;
        try
        {
            keyProblem = CheckKey(request.PublicKey);
        }
        catch (CryptographicException ex)
        {
            keyProblem = $"key unreadable: {ex.Message}";
        }

        if (keyProblem is not null)
        {
            return EnrollmentResult.Refused(EnrollmentRefusal.KeyNotAcceptable, keyProblem);
        }

        if (!ValidText(hostname, 253) || !ValidText(os, 200))
        {
            return EnrollmentResult.Refused(EnrollmentRefusal.DeviceDetailsInvalid, "hostname (≤ 253) and os (≤ 200) must be non-empty printable text");
        }

        byte[]? hash = EnrollmentTokenSecret.TryHash(secret);
        if (hash is null)
        {
            return EnrollmentResult.Refused(EnrollmentRefusal.TokenUnknown, "token is not in Yamori's format");
        }

        DateTimeOffset now = clock.GetUtcNow();
        TokenRedemption redemption = await tokens.RedeemAsync(hash, now, cancellationToken);
        if (redemption.Refusal is { } refusal)
        {
            EnrollmentRefusal reason = refusal switch
            {
                TokenRefusal.Expired => EnrollmentRefusal.TokenExpired,
                TokenRefusal.Exhausted => EnrollmentRefusal.TokenExhausted,
                _ => EnrollmentRefusal.TokenUnknown,
            };
            return EnrollmentResult.Refused(reason, $"token {refusal.ToString().ToLowerInvariant()}", redemption.Token?.Id);
        }

        EnrollmentToken token = redemption.Token!;

        // A fresh id every time: re-enrolling a machine makes a new device, never takes over an old one.
        // If device creation fails after the redemption, that use is spent; the admin issues another.
        var device = new Device(DeviceId.New(), token.Tenant, hostname, os, token.Segment, "", null, DeviceHealth.Unknown, IsolationState.None, []);
        await tenancy.UpsertDeviceAsync(TenantScope.For(token.Tenant), device, cancellationToken);

        var binding = new DeviceBinding(token.Tenant, device.Id);
        using X509Certificate2 leaf = authority.IssueClientCertificate(
            request.PublicKey, binding, now.AddMinutes(-5), now + ClientCertificateValidity);
        string chain = leaf.ExportCertificatePem() + "\n" + authority.CertificatePem + "\n";
        return new EnrollmentResult(null, null, token.Id, token.Tenant, device.Id, chain);
    }

    private static bool ValidText(string? text, int max) =>
        !string.IsNullOrWhiteSpace(text) && text.Length <= max && !text.Any(char.IsControl);
}
