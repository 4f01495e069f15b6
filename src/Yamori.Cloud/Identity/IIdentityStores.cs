using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Identity;

/// <summary>
/// User accounts. Management methods take a <see cref="TenantScope"/>: a town scope sees and writes
/// only its own town's users (SOC users, having no tenant, are outside every town scope). The
/// authentication methods are unscoped, because whoever is signing in is not yet anyone; only the
/// sign-in and session services call them.
/// </summary>
public interface IUserStore
{
    /// <exception cref="TenantScopeException">The user's tenant is outside the scope (or a SOC user in a town scope).</exception>
    /// <exception cref="LoginTakenException">The login name is taken (in any case).</exception>
    /// <exception cref="ArgumentException">The tenant does not exist.</exception>
    ValueTask CreateAsync(TenantScope scope, User user, CancellationToken cancellationToken = default);

    /// <summary>Creates <paramref name="user"/> only when no user exists at all (first start); false otherwise.</summary>
    ValueTask<bool> CreateFirstAsync(User user, CancellationToken cancellationToken = default);

    ValueTask<User?> GetAsync(TenantScope scope, UserId id, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<User>> ListAsync(TenantScope scope, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the managed fields (display name, role, tenant, password hash, TOTP secret and
    /// confirmation, disabled, must-change-password, updated time). Never the sign-in counters,
    /// which only the authentication methods change. False when the user is not visible in the scope.
    /// </summary>
    /// <exception cref="TenantScopeException">The new tenant is outside the scope.</exception>
    /// <param name="expectedUpdatedAt">
    /// When given, the update applies only if the stored row still has this <c>UpdatedAt</c>: a write
    /// based on an older read (a password change racing an admin's disable) must not undo the other.
    /// </param>
    ValueTask<bool> UpdateAsync(TenantScope scope, User user, DateTimeOffset? expectedUpdatedAt = null, CancellationToken cancellationToken = default);

    /// <summary>Clears the failure count and any lock (administrative unlock); false when not visible.</summary>
    ValueTask<bool> ClearLockoutAsync(TenantScope scope, UserId id, CancellationToken cancellationToken = default);

    // ---- authentication (unscoped) ----

    ValueTask<User?> FindByLoginAsync(string loginKey, CancellationToken cancellationToken = default);

    ValueTask<User?> FindByIdAsync(UserId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts a failed attempt atomically; at <paramref name="threshold"/> consecutive failures the
    /// account is locked until <paramref name="lockedUntil"/> and the count starts again.
    /// Returns the lock end when this failure locked the account.
    /// </summary>
    ValueTask<DateTimeOffset?> RecordFailureAsync(UserId id, int threshold, DateTimeOffset lockedUntil, CancellationToken cancellationToken = default);

    /// <summary>Resets the failure count and lock after a complete sign-in.</summary>
    ValueTask RecordSuccessAsync(UserId id, CancellationToken cancellationToken = default);

    /// <summary>Marks a TOTP time step used; false when it (or a later one) already was (a replay).</summary>
    ValueTask<bool> TryUseTotpStepAsync(UserId id, long step, CancellationToken cancellationToken = default);

    /// <summary>Stores a confirmed TOTP secret and its first used step (replacing any earlier history); false when TOTP was confirmed meanwhile.</summary>
    ValueTask<bool> ConfirmTotpAsync(UserId id, byte[] protectedSecret, long step, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Replaces the password hash with a re-hash under current parameters (same password).</summary>
    ValueTask SetPasswordHashAsync(UserId id, string passwordHash, CancellationToken cancellationToken = default);
}

/// <summary>The login name is already used (compared without case).</summary>
public sealed class LoginTakenException : InvalidOperationException
{
    public LoginTakenException()
    {
    }

    public LoginTakenException(string message)
        : base(message)
    {
    }

    public LoginTakenException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Sessions and sign-in tickets, by the SHA-256 of their tokens. Unscoped: a token names its user.</summary>
public interface ISessionStore
{
    ValueTask CreateSessionAsync(SessionRecord session, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds a live session (used within <paramref name="idleTimeout"/>, before its absolute
    /// expiry) and, when <paramref name="slide"/>, moves its last use to <paramref name="now"/>,
    /// atomically. A dead session is deleted and null returned.
    /// </summary>
    /// <param name="slide">False for checks no person caused (a page refreshing itself), which must not keep an unattended session alive.</param>
    ValueTask<SessionRecord?> TouchSessionAsync(byte[] tokenHash, DateTimeOffset now, TimeSpan idleTimeout, bool slide = true, CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteSessionAsync(byte[] tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Ends every session of a user except <paramref name="keep"/> (when given); returns how many ended.</summary>
    ValueTask<int> DeleteSessionsOfUserAsync(UserId user, byte[]? keep = null, CancellationToken cancellationToken = default);

    ValueTask CreateTicketAsync(SignInTicket ticket, CancellationToken cancellationToken = default);

    /// <summary>The ticket when it exists and has not expired.</summary>
    ValueTask<SignInTicket?> GetTicketAsync(byte[] ticketHash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes the ticket; true for the one caller that deleted it (a ticket completes one sign-in).</summary>
    ValueTask<bool> ConsumeTicketAsync(byte[] ticketHash, CancellationToken cancellationToken = default);

    /// <summary>Deletes every ticket of a user (after an admin change to the account).</summary>
    ValueTask DeleteTicketsOfUserAsync(UserId user, CancellationToken cancellationToken = default);

    /// <summary>Deletes expired sessions and tickets; returns how many.</summary>
    ValueTask<int> PurgeExpiredAsync(DateTimeOffset now, TimeSpan idleTimeout, CancellationToken cancellationToken = default);
}

/// <summary>API tokens, by the SHA-256 of their secrets. Management is scoped like users; use is not.</summary>
public interface IApiTokenStore
{
    /// <exception cref="TenantScopeException">The token's tenant is outside the scope (or a SOC-role token in a town scope).</exception>
    ValueTask CreateAsync(TenantScope scope, ApiToken token, byte[] secretHash, CancellationToken cancellationToken = default);

    ValueTask<ApiToken?> GetAsync(TenantScope scope, ApiTokenId id, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<ApiToken>> ListAsync(TenantScope scope, CancellationToken cancellationToken = default);

    /// <summary>Revokes the token (idempotent); false when it is not visible in the scope.</summary>
    ValueTask<bool> RevokeAsync(TenantScope scope, ApiTokenId id, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The token with this hash when it is neither revoked nor expired; records its use.</summary>
    ValueTask<ApiToken?> UseAsync(byte[] secretHash, DateTimeOffset now, CancellationToken cancellationToken = default);
}
