using System.Text;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Identity;

/// <summary>
/// A person's account as the store keeps it. Holds the password hash and the encrypted TOTP secret,
/// so it stays inside the identity services: callers get a <see cref="UserView"/>.
/// </summary>
/// <param name="LoginKey">The normalized (lower-case) login name, unique.</param>
/// <param name="Tenant">The town for town roles; null for SOC roles.</param>
/// <param name="PasswordHash">Argon2id PHC string.</param>
/// <param name="TotpSecret">The TOTP secret encrypted by <see cref="SecretProtector"/> (associated data: the user id); null until set up.</param>
/// <param name="TotpConfirmed">True once a code proved the secret is in the user's authenticator.</param>
/// <param name="TotpLastStep">The last time step accepted; a code of that step or earlier is a replay.</param>
public sealed record User(
    UserId Id,
    string Login,
    string LoginKey,
    string DisplayName,
    Role Role,
    TenantId? Tenant,
    string PasswordHash,
    byte[]? TotpSecret,
    bool TotpConfirmed,
    long? TotpLastStep,
    int FailedAttempts,
    DateTimeOffset? LockedUntil,
    bool Disabled,
    bool MustChangePassword,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public UserView ToView() => new(Id, Login, DisplayName, Role, Tenant, TotpConfirmed, FailedAttempts, LockedUntil, Disabled, MustChangePassword, CreatedAt, UpdatedAt);

    // Secrets stay out of logs and exception messages, even in hashed or encrypted form.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Id = ").Append(Id).Append(", Login = ").Append(Login).Append(", Role = ").Append(Role.ToWire())
            .Append(", Tenant = ").Append(Tenant?.ToString() ?? "none").Append(", Disabled = ").Append(Disabled);
        return true;
    }
}

/// <summary>A user as the API shows it: no password hash, no TOTP secret.</summary>
/// <param name="TotpEnabled">A confirmed second factor is set up.</param>
public sealed record UserView(
    UserId Id,
    string Login,
    string DisplayName,
    Role Role,
    TenantId? Tenant,
    bool TotpEnabled,
    int FailedAttempts,
    DateTimeOffset? LockedUntil,
    bool Disabled,
    bool MustChangePassword,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>An API token as stored and listed; never its secret.</summary>
/// <param name="Tenant">The town for town-role tokens; null for SOC-role tokens.</param>
/// <param name="CreatedBy">Who created it (the creator's actor id).</param>
public sealed record ApiToken(
    ApiTokenId Id,
    string Name,
    Role Role,
    TenantId? Tenant,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt);

/// <summary>A new API token and its secret, which the caller shows once and then forgets.</summary>
public sealed record IssuedApiToken(ApiToken Token, string Secret)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Token = ").Append(Token).Append(", Secret = ***");
        return true;
    }
}

/// <summary>A stored session (by hash of its token).</summary>
public sealed record SessionRecord(byte[] TokenHash, UserId User, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt);

/// <summary>What a sign-in ticket is for.</summary>
public enum SignInTicketPurpose
{
    /// <summary>The password was right; a TOTP code is due.</summary>
    VerifyTotp = 1,

    /// <summary>The password was right; the user must set up TOTP with the secret held (encrypted) in the ticket.</summary>
    SetUpTotp = 2,
}

/// <summary>A stored sign-in ticket (by hash).</summary>
/// <param name="PendingSecret">For <see cref="SignInTicketPurpose.SetUpTotp"/>: the new secret, encrypted for the user.</param>
public sealed record SignInTicket(byte[] TicketHash, UserId User, SignInTicketPurpose Purpose, byte[]? PendingSecret, DateTimeOffset ExpiresAt);
