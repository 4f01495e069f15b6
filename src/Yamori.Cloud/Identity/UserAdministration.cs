using System.Security.Cryptography;
using System.Text.Json;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Identity;

/// <summary>
/// Managing people. soc-admin manages everyone; town-admin manages the town users of their own
/// tenant (never SOC users, never another tenant); every role may list and read what its scope
/// shows. A user outside the actor's scope reads as absent (null, which the API makes 404); a
/// forbidden action throws <see cref="AccessDeniedException"/> (403). Every change and refusal is
/// audit-logged, with before/after JSON that never holds a secret. Changes that alter what a user
/// may do (disable, role, password, TOTP reset) end the user's sessions.
/// </summary>
/// <remarks>
/// A change is committed before its audit entry is appended (the stores are separate). Should the
/// append fail, the caller gets the exception and the change stands without its entry; the audit
/// log and the user store share one database file, so this needs the disk itself to fail.
/// </remarks>
public sealed class UserAdministration
{
    private const int MaxDisplayNameLength = 100;

    private readonly IUserStore _users;
    private readonly ISessionStore _sessions;
    private readonly IAuditLog _audit;
    private readonly SecretProtector _protector;
    private readonly IdentityOptions _options;
    private readonly TimeProvider _clock;
    private readonly PasswordHasher _hasher;

    public UserAdministration(IUserStore users, ISessionStore sessions, IAuditLog audit, SecretProtector protector, IdentityOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _users = users;
        _sessions = sessions;
        _audit = audit;
        _protector = protector;
        _options = options;
        _clock = clock;
        _hasher = new PasswordHasher(options.PasswordHash);
    }

    /// <exception cref="AccessDeniedException">The actor may not create this user.</exception>
    /// <exception cref="ArgumentException">Login, display name, role/tenant or password is invalid (the message names it).</exception>
    /// <exception cref="LoginTakenException">The login name is taken.</exception>
    public async ValueTask<CreatedUser> CreateUserAsync(Actor actor, NewUser request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        string key = LoginName.Normalize(request.Login);
        string display = CheckDisplayName(request.DisplayName);
        CheckRoleTenant(request.Role, request.Tenant);
        await RequireCanAssign(actor, "user.create", null, request.Role, request.Tenant, cancellationToken);
        string password = request.Password ?? PasswordPolicy.GenerateOneTime();
        PasswordPolicy.Check(password, request.Login);

        DateTimeOffset now = _clock.GetUtcNow();
        var user = new User(UserId.New(), request.Login, key, display, request.Role, request.Tenant, _hasher.Hash(password),
            null, false, null, 0, null, false, true, now, now);
        await _users.CreateAsync(actor.Scope, user, cancellationToken);
        await Audit(actor, "user.create", AuditOutcome.Succeeded, user, null, user, cancellationToken);
        return new CreatedUser(user.ToView(), request.Password is null ? password : null);
    }

    public async ValueTask<IReadOnlyList<UserView>> ListUsersAsync(Actor actor, CancellationToken cancellationToken = default) =>
        (await _users.ListAsync(actor.Scope, cancellationToken)).Select(u => u.ToView()).ToList();

    /// <summary>The user, or null when it does not exist or is outside the actor's scope.</summary>
    public async ValueTask<UserView?> GetUserAsync(Actor actor, UserId id, CancellationToken cancellationToken = default) =>
        (await _users.GetAsync(actor.Scope, id, cancellationToken))?.ToView();

    /// <summary>Disables (ending all sessions) or re-enables an account; null when the user is not visible.</summary>
    public async ValueTask<UserView?> SetDisabledAsync(Actor actor, UserId id, bool disabled, CancellationToken cancellationToken = default)
    {
        string action = disabled ? "user.disable" : "user.enable";
        User? user = await Target(actor, id, action, cancellationToken);
        if (user is null)
        {
            return null;
        }

        if (disabled && actor.Id == user.Id.ToString())
        {
            await Deny(actor, action, user, "you cannot disable your own account", cancellationToken);
        }

        return (await Change(actor, action, user, user with { Disabled = disabled }, endSessions: disabled, cancellationToken)).ToView();
    }

    /// <summary>Sets a new one-time password (must be changed at next sign-in), unlocks the account and ends its sessions.</summary>
    public async ValueTask<PasswordReset?> ResetPasswordAsync(Actor actor, UserId id, CancellationToken cancellationToken = default)
    {
        User? user = await Target(actor, id, "user.password.reset", cancellationToken);
        if (user is null)
        {
            return null;
        }

        string password = PasswordPolicy.GenerateOneTime();
        User changed = await Change(
            actor, "user.password.reset", user, user with { PasswordHash = _hasher.Hash(password), MustChangePassword = true }, endSessions: true, cancellationToken);
        await _users.ClearLockoutAsync(actor.Scope, id, cancellationToken);
        return new PasswordReset(changed.ToView() with { FailedAttempts = 0, LockedUntil = null }, password);
    }

    /// <summary>
    /// Changes role (and, for soc-admin, tenant). Town-admin may switch a user of their town between
    /// town roles only. SOC roles carry no tenant; town roles need one. Ends the user's sessions.
    /// </summary>
    /// <param name="tenant">The tenant for a town role; null keeps the current one (and must be null for SOC roles).</param>
    public async ValueTask<UserView?> ChangeRoleAsync(Actor actor, UserId id, Role role, TenantId? tenant, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(role))
        {
            throw new ArgumentException($"role {(int)role} is not a role", nameof(role));
        }

        User? user = await Target(actor, id, "user.role", cancellationToken);
        if (user is null)
        {
            return null;
        }

        TenantId? newTenant = role.SeesAllTenants() ? tenant : tenant ?? user.Tenant;
        CheckRoleTenant(role, newTenant);
        await RequireCanAssign(actor, "user.role", user, role, newTenant, cancellationToken);
        if (actor.Id == user.Id.ToString())
        {
            await Deny(actor, "user.role", user, "you cannot change your own role", cancellationToken);
        }

        return (await Change(actor, "user.role", user, user with { Role = role, Tenant = newTenant }, endSessions: true, cancellationToken)).ToView();
    }

    /// <summary>Removes the second factor; the user sets up a new one at next sign-in (SOC roles must). Ends sessions.</summary>
    public async ValueTask<UserView?> ResetTotpAsync(Actor actor, UserId id, CancellationToken cancellationToken = default)
    {
        User? user = await Target(actor, id, "user.totp.reset", cancellationToken);
        return user is null
            ? null
            : (await Change(actor, "user.totp.reset", user, user with { TotpSecret = null, TotpConfirmed = false }, endSessions: true, cancellationToken)).ToView();
    }

    /// <summary>
    /// First start: when no user exists, creates a soc-admin with a one-time password and a TOTP
    /// secret and returns both, once. Null when any user exists (nothing is changed).
    /// </summary>
    public async ValueTask<BootstrapCredentials?> BootstrapOperatorAsync(
        string login = "operator",
        string displayName = "Yamori operator",
        CancellationToken cancellationToken = default)
    {
        string key = LoginName.Normalize(login);
        string display = CheckDisplayName(displayName);
        DateTimeOffset now = _clock.GetUtcNow();
        string password = PasswordPolicy.GenerateOneTime();
        byte[] secret = Totp.NewSecret();
        try
        {
            var id = UserId.New();
            var user = new User(id, login, key, display, Role.SocAdmin, null, _hasher.Hash(password),
                _protector.Protect(secret, id.ToBlob()), true, null, 0, null, false, true, now, now);
            if (!await _users.CreateFirstAsync(user, cancellationToken))
            {
                return null;
            }

            await Audit(Actor.System, "user.bootstrap", AuditOutcome.Succeeded, user, null, user, cancellationToken);
            return new BootstrapCredentials(
                user.ToView(), password, Base32.Encode(secret, padding: false), Totp.ProvisioningUri(_options.TotpIssuer, login, secret));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private async ValueTask<User?> Target(Actor actor, UserId id, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        User? user = await _users.GetAsync(actor.Scope, id, cancellationToken);
        if (actor.Role is not (Role.SocAdmin or Role.TownAdmin))
        {
            await Deny(actor, action, user, $"{actor.Role.ToWire()} may not manage users", cancellationToken);
        }

        return user;
    }

    private async ValueTask RequireCanAssign(Actor actor, string action, User? target, Role role, TenantId? tenant, CancellationToken cancellationToken)
    {
        string? refusal = actor.Role switch
        {
            Role.SocAdmin => null,
            Role.TownAdmin when role.SeesAllTenants() => "town-admin may not create or promote SOC users",
            Role.TownAdmin when tenant != actor.Tenant => "town-admin may manage users of their own town only",
            Role.TownAdmin => null,
            _ => $"{actor.Role.ToWire()} may not manage users",
        };
        if (refusal is not null)
        {
            await Deny(actor, action, target, refusal, cancellationToken);
        }
    }

    /// <summary>
    /// A refusal is filed under the actor's own town (SOC actors: none), with nothing of another
    /// town's in it: the town that was reached for must not learn who tried, and the actor's town
    /// must not learn the other town's ids.
    /// </summary>
    private async ValueTask Deny(Actor actor, string action, User? target, string reason, CancellationToken cancellationToken)
    {
        await _audit.AppendAsync(
            AuditRecord.For(actor, action, AuditOutcome.Denied, actor.Tenant, "user", target is not null && target.Tenant == actor.Tenant ? target.Id.ToString() : null, detail: reason), cancellationToken);
        throw new AccessDeniedException(reason);
    }

    private async ValueTask<User> Change(Actor actor, string action, User before, User after, bool endSessions, CancellationToken cancellationToken)
    {
        after = after with { UpdatedAt = _clock.GetUtcNow() };
        if (!await _users.UpdateAsync(actor.Scope, after, before.UpdatedAt, cancellationToken))
        {
            throw new ConcurrentChangeException($"user {before.Id} changed or vanished during {action}; nothing was changed");
        }

        if (endSessions)
        {
            await _sessions.DeleteSessionsOfUserAsync(after.Id, null, cancellationToken);
            await _sessions.DeleteTicketsOfUserAsync(after.Id, cancellationToken);
        }

        await Audit(actor, action, AuditOutcome.Succeeded, after, before, after, cancellationToken);
        return after;
    }

    private ValueTask<AuditEntry> Audit(Actor actor, string action, AuditOutcome outcome, User target, User? before, User? after, CancellationToken cancellationToken) =>
        _audit.AppendAsync(
            AuditRecord.For(actor, action, outcome, after?.Tenant ?? target.Tenant, "user", target.Id.ToString(), Snapshot(before), Snapshot(after)),
            cancellationToken);

    // What the audit log keeps of a user: never the password hash or the TOTP secret.
    private static string? Snapshot(User? u) => u is null ? null : JsonSerializer.Serialize(new
    {
        id = u.Id.ToString(),
        login = u.Login,
        displayName = u.DisplayName,
        role = u.Role.ToWire(),
        tenant = u.Tenant?.ToString(),
        totpEnabled = u.TotpConfirmed,
        disabled = u.Disabled,
        mustChangePassword = u.MustChangePassword,
    });

    private static void CheckRoleTenant(Role role, TenantId? tenant)
    {
        if (!Enum.IsDefined(role))
        {
            throw new ArgumentException($"role {(int)role} is not a role", nameof(role));
        }

        if (role.SeesAllTenants() && tenant is not null)
        {
            throw new ArgumentException($"a {role.ToWire()} user has no tenant", nameof(tenant));
        }

        if (!role.SeesAllTenants() && tenant is null)
        {
            throw new ArgumentException($"a {role.ToWire()} user needs a tenant", nameof(tenant));
        }
    }

    private static string CheckDisplayName(string? displayName)
    {
        string trimmed = displayName?.Trim() ?? "";
        if (trimmed.Length == 0 || trimmed.Length > MaxDisplayNameLength || trimmed.Any(char.IsControl))
        {
            throw new ArgumentException($"displayName must be 1 to {MaxDisplayNameLength} printable characters", nameof(displayName));
        }

        return trimmed;
    }
}
