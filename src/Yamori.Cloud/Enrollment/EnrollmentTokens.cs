using System.Security.Cryptography;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Enrollment;

/// <summary>An enrollment token's identity, for listing and deleting it; never its secret.</summary>
public readonly record struct EnrollmentTokenId(Guid Value)
{
    public static EnrollmentTokenId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString("D");
}

/// <summary>
/// What the store keeps about a token: scope, limits and the SHA-256 of its secret. The secret
/// itself is shown once, to the town admin who created it, and stored nowhere.
/// </summary>
/// <param name="CreatedBy">Who created it, for the audit trail (a user or API-token name).</param>
public sealed record EnrollmentToken(
    EnrollmentTokenId Id,
    TenantId Tenant,
    SegmentId Segment,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int MaxUses,
    int UsesLeft,
    string CreatedBy);

/// <summary>A newly created token and its secret, which the caller shows once and then forgets.</summary>
public sealed record IssuedEnrollmentToken(EnrollmentToken Token, string Secret)
{
    // The secret is a credential: keep it out of logs and exception messages.
    public override string ToString() => $"IssuedEnrollmentToken {{ Token = {Token} }}";
}

/// <summary>Why a token was refused. Each is a value the caller audit-logs (with the token id when known, never the secret).</summary>
public enum TokenRefusal
{
    /// <summary>Not a token this cloud issued (bad format, or no token with that hash).</summary>
    Unknown = 1,
    Expired = 2,
    Exhausted = 3,
}

/// <summary>The outcome of redeeming a token: the scope it grants, or why not.</summary>
public sealed record TokenRedemption(EnrollmentToken? Token, TokenRefusal? Refusal)
{
    public bool Succeeded => Refusal is null;

    public static TokenRedemption Granted(EnrollmentToken token) => new(token, null);

    public static TokenRedemption Refused(TokenRefusal refusal, EnrollmentToken? token = null) => new(token, refusal);
}

/// <summary>
/// The token secret's format: <c>ymt_</c> and 256 random bits in base64url. The prefix lets secret
/// scanners recognise a leaked token; the hash is of the raw bits, so the text form can change.
/// </summary>
public static class EnrollmentTokenSecret
{
    private const string Prefix = "ymt_";

    /// <summary>A new secret and the hash the store keeps.</summary>
    public static (string Secret, byte[] Hash) Generate()
    {
        byte[] raw = RandomNumberGenerator.GetBytes(32);
        string secret = Prefix + Convert.ToBase64String(raw).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        byte[] hash = SHA256.HashData(raw);
        CryptographicOperations.ZeroMemory(raw);
        return (secret, hash);
    }

    /// <summary>The hash of a presented secret, or null when it cannot be one of ours.</summary>
    public static byte[]? TryHash(string? secret)
    {
        if (secret is null || secret.Length != Prefix.Length + 43 || !secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string b64 = secret[Prefix.Length..].Replace('-', '+').Replace('_', '/') + "=";
        byte[] raw = new byte[33];
        if (!Convert.TryFromBase64String(b64, raw, out int written) || written != 32)
        {
            return null;
        }

        byte[] hash = SHA256.HashData(raw.AsSpan(0, 32));
        CryptographicOperations.ZeroMemory(raw);
        return hash;
    }
}

/// <summary>
/// Enrollment tokens. Creating, listing and deleting take the admin's <see cref="TenantScope"/>;
/// redeeming takes none, because the agent presenting the token is not yet anyone: the token's own
/// tenant and segment are what it grants.
/// </summary>
public interface IEnrollmentTokenStore
{
    /// <summary>Stores a token (by hash) for a segment of the scope's tenant.</summary>
    /// <exception cref="TenantScopeException">The tenant is outside the scope, or the segment is not the tenant's.</exception>
    ValueTask CreateAsync(TenantScope scope, EnrollmentToken token, byte[] secretHash, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<EnrollmentToken>> ListAsync(TenantScope scope, CancellationToken cancellationToken = default);

    /// <summary>Deletes a token; false when it is not visible in the scope.</summary>
    ValueTask<bool> DeleteAsync(TenantScope scope, EnrollmentTokenId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks the token and uses it once, atomically: two agents racing for a token's last use
    /// cannot both get it. Expired, exhausted and unknown tokens are refused with the reason.
    /// </summary>
    ValueTask<TokenRedemption> RedeemAsync(byte[] secretHash, DateTimeOffset now, CancellationToken cancellationToken = default);
}

/// <summary>Revoked devices. A revoked device's certificate is refused at its next connection.</summary>
public interface IDeviceRevocationStore
{
    /// <summary>Records the revocation; false when the device is not visible in the scope.</summary>
    ValueTask<bool> RevokeAsync(TenantScope scope, DeviceId device, DateTimeOffset at, string reason, CancellationToken cancellationToken = default);

    /// <summary>True when the device was revoked. Unscoped: asked by the TLS layer before any scope exists.</summary>
    ValueTask<bool> IsRevokedAsync(DeviceId device, CancellationToken cancellationToken = default);
}
