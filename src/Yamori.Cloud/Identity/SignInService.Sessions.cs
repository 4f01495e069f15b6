using Yamori.Cloud.Audit;

namespace Yamori.Cloud.Identity;

public sealed partial class SignInService
{
    /// <summary>
    /// The actor behind a session token, or null when the token is unknown, idle longer than the
    /// idle timeout, past its absolute lifetime, or its user is gone or disabled. Slides the idle
    /// window unless <paramref name="slide"/> is false (a check no person caused). The actor carries
    /// the user's current role and tenant and this request's address.
    /// </summary>
    public async ValueTask<Actor?> ValidateSessionAsync(string? sessionToken, string? remoteAddress, DateTimeOffset now, bool slide = true, CancellationToken cancellationToken = default)
    {
        byte[]? hash = OpaqueToken.TryHash(SessionPrefix, sessionToken);
        if (hash is null)
        {
            return null;
        }

        SessionRecord? session = await _sessions.TouchSessionAsync(hash, now, _options.SessionIdleTimeout, slide, cancellationToken);
        if (session is null)
        {
            return null;
        }

        User? user = await _users.FindByIdAsync(session.User, cancellationToken);
        if (user is null || user.Disabled)
        {
            await _sessions.DeleteSessionAsync(hash, cancellationToken);
            return null;
        }

        return ActorOf(user, remoteAddress);
    }

    /// <summary>Ends the session; false when it was not a live session.</summary>
    public async ValueTask<bool> SignOutAsync(string? sessionToken, string? remoteAddress, CancellationToken cancellationToken = default)
    {
        Actor? actor = await ValidateSessionAsync(sessionToken, remoteAddress, _clock.GetUtcNow(), cancellationToken: cancellationToken);
        if (actor is null || !await _sessions.DeleteSessionAsync(OpaqueToken.TryHash(SessionPrefix, sessionToken)!, cancellationToken))
        {
            return false;
        }

        await _audit.AppendAsync(AuditRecord.For(actor, "signout", AuditOutcome.Succeeded, actor.Tenant, "user", actor.Id), cancellationToken);
        return true;
    }

    /// <summary>Deletes expired sessions and sign-in tickets (call periodically); returns how many.</summary>
    public ValueTask<int> PurgeExpiredAsync(CancellationToken cancellationToken = default) =>
        _sessions.PurgeExpiredAsync(_clock.GetUtcNow(), _options.SessionIdleTimeout, cancellationToken);

    /// <summary>
    /// A signed-in user changes their own password (required after a one-time password). A wrong
    /// current password counts as a failed attempt. Every other session of the user ends;
    /// <paramref name="currentSessionToken"/>, when given, stays.
    /// </summary>
    /// <returns>False when the current password is wrong (or the account is locked).</returns>
    /// <exception cref="AccessDeniedException">The actor is not a user (an API token, the system).</exception>
    /// <exception cref="ArgumentException">The new password breaks the policy (parameter <c>password</c>).</exception>
    public async ValueTask<bool> ChangePasswordAsync(
        Actor actor,
        string currentPassword,
        string newPassword,
        string? currentSessionToken,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Kind != ActorKind.User || !UserId.TryParse(actor.Id, out UserId id))
        {
            throw new AccessDeniedException("only a signed-in user can change their own password");
        }

        DateTimeOffset now = _clock.GetUtcNow();
        User user = await _users.FindByIdAsync(id, cancellationToken) ?? throw new AccessDeniedException("the account no longer exists");
        PasswordPolicy.Check(newPassword, user.Login);
        if (newPassword == currentPassword)
        {
            throw new ArgumentException("the new password must differ from the current one", "password");
        }

        if (user.LockedUntil is { } until && until > now)
        {
            await _audit.AppendAsync(
                AuditRecord.For(actor, "user.password.change", AuditOutcome.Denied, user.Tenant, "user", user.Id.ToString(), detail: "account locked"), cancellationToken);
            return false;
        }

        if (!_hasher.Verify(currentPassword ?? "", user.PasswordHash))
        {
            await _users.RecordFailureAsync(user.Id, _options.MaxFailedAttempts, now + _options.LockoutDuration, cancellationToken);
            await _audit.AppendAsync(
                AuditRecord.For(actor, "user.password.change", AuditOutcome.Failed, user.Tenant, "user", user.Id.ToString(), detail: "wrong current password"), cancellationToken);
            return false;
        }

        User changed = user with { PasswordHash = _hasher.Hash(newPassword), MustChangePassword = false, UpdatedAt = now };
        // Against the row as read before the (slow) hashing: an admin who disabled or demoted the
        // user meanwhile wins, and this change is refused rather than writing the old state back.
        if (!await _users.UpdateAsync(changed.Role.SeesAllTenants() ? Tenancy.TenantScope.AllTenants : Tenancy.TenantScope.For(changed.Tenant!.Value), changed, user.UpdatedAt, cancellationToken))
        {
            throw new ConcurrentChangeException("the account changed while the password was being changed; sign in again");
        }

        int ended = await _sessions.DeleteSessionsOfUserAsync(user.Id, OpaqueToken.TryHash(SessionPrefix, currentSessionToken), cancellationToken);
        await _audit.AppendAsync(
            AuditRecord.For(actor, "user.password.change", AuditOutcome.Succeeded, user.Tenant, "user", user.Id.ToString(), detail: $"{ended} other session(s) ended"),
            cancellationToken);
        return true;
    }
}
