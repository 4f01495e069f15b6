using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>
/// Users of one town (or the SOC's own users) through <see cref="UserAdministration"/>, which
/// decides who may manage whom and audits every change and refusal itself (as behind the users API).
/// </summary>
public sealed class TenantUsersView(UserAdministration users, TenantAccess access)
{
    /// <summary>
    /// The users of <paramref name="town"/>, or with null the SOC users (tenant-less). Null when the
    /// town is not visible to the actor; a town user asking for SOC users gets none (their scope has none).
    /// </summary>
    public async Task<IReadOnlyList<UserView>?> ListAsync(Actor actor, TenantId? town, CancellationToken cancellationToken = default)
    {
        if (town is { } id && await access.VisibleTownAsync(actor, id, cancellationToken) is null)
        {
            return null;
        }

        // The scope decides what is listed; this only picks the one town's (or the SOC's) rows of it.
        return (await users.ListUsersAsync(actor, cancellationToken))
            .Where(u => u.Tenant == town)
            .OrderBy(u => u.Role).ThenBy(u => u.Login, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Creates a user with a one-time password (in the result only). Null when the town is not visible.</summary>
    /// <param name="town">The town for town roles; null for SOC roles.</param>
    /// <exception cref="AccessDeniedException">The actor may not create this user (audited by the service).</exception>
    /// <exception cref="ArgumentException">Login, display name or role/town is invalid.</exception>
    /// <exception cref="LoginTakenException">The login is taken.</exception>
    public async Task<CreatedUser?> CreateAsync(Actor actor, string? login, string? displayName, Role role, TenantId? town, CancellationToken cancellationToken = default)
    {
        if (town is { } id && await access.VisibleTownAsync(actor, id, cancellationToken) is null)
        {
            return null;
        }

        return await users.CreateUserAsync(actor, new NewUser(login?.Trim() ?? "", displayName?.Trim() ?? "", role, town), cancellationToken);
    }

    /// <summary>Disables (ending sessions) or re-enables a user; null when not visible.</summary>
    public async Task<UserView?> SetDisabledAsync(Actor actor, UserId user, bool disabled, CancellationToken cancellationToken = default) =>
        await users.SetDisabledAsync(actor, user, disabled, cancellationToken);

    /// <summary>Sets a one-time password (in the result only); null when not visible.</summary>
    public async Task<PasswordReset?> ResetPasswordAsync(Actor actor, UserId user, CancellationToken cancellationToken = default) =>
        await users.ResetPasswordAsync(actor, user, cancellationToken);

    /// <summary>Clears a lost second factor; the user sets up a new one at their next sign-in. Null when not visible.</summary>
    public async Task<UserView?> ResetTotpAsync(Actor actor, UserId user, CancellationToken cancellationToken = default) =>
        await users.ResetTotpAsync(actor, user, cancellationToken);

    /// <summary>Changes a user's role within their town (or among SOC roles), ending their sessions; null when not visible.</summary>
    public async Task<UserView?> ChangeRoleAsync(Actor actor, UserView user, Role role, CancellationToken cancellationToken = default) =>
        await users.ChangeRoleAsync(actor, user.Id, role, user.Tenant, cancellationToken);
}
