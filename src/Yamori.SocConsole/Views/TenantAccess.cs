using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>
/// The route-level role gates of the API (its <c>Policies</c>), for the console's admin screens:
/// the stores check only the tenant scope, so without this a town viewer could change a segment
/// that the API would refuse. A refusal is audited as the API audits one (<c>api.refused</c>
/// under the caller's own town) and thrown as <see cref="AccessDeniedException"/>.
/// </summary>
public sealed class TenantAccess(ITenancyStore tenancy, IAuditLog audit)
{
    /// <summary>soc-admin and town-admin: change a town's configuration (segments, tokens, rule settings).</summary>
    public static bool IsAdmin(Actor actor) => actor.Role is Role.SocAdmin or Role.TownAdmin;

    /// <summary>soc-admin only: register towns.</summary>
    public static bool IsSocAdmin(Actor actor) => actor.Role is Role.SocAdmin;

    /// <summary>SOC roles: audit chain verification.</summary>
    public static bool IsSoc(Actor actor) => actor.Role.SeesAllTenants();

    /// <summary>The town when the actor may see it; null for another town's id and for an unknown one alike.</summary>
    public ValueTask<Tenant?> VisibleTownAsync(Actor actor, TenantId id, CancellationToken cancellationToken = default) =>
        tenancy.GetTenantAsync(actor.Scope, id, cancellationToken);

    /// <exception cref="AccessDeniedException">The actor's role is not soc-admin or town-admin.</exception>
    public ValueTask RequireAdminAsync(Actor actor, string what, CancellationToken cancellationToken = default) =>
        IsAdmin(actor) ? ValueTask.CompletedTask : RefuseAsync(actor, what, cancellationToken);

    /// <exception cref="AccessDeniedException">The actor is not soc-admin.</exception>
    public ValueTask RequireSocAdminAsync(Actor actor, string what, CancellationToken cancellationToken = default) =>
        IsSocAdmin(actor) ? ValueTask.CompletedTask : RefuseAsync(actor, what, cancellationToken);

    /// <summary>Audits a refusal a service made for the caller's rights, as the API's error filter does.</summary>
    public async ValueTask RecordRefusalAsync(Actor actor, string what, string reason, CancellationToken cancellationToken = default) =>
        await audit.AppendAsync(AuditRecord.For(actor, "api.refused", AuditOutcome.Denied, actor.Tenant, "console", what, detail: reason), cancellationToken);

    private async ValueTask RefuseAsync(Actor actor, string what, CancellationToken cancellationToken)
    {
        string reason = $"{actor.Role.ToWire()} may not {what}";
        await RecordRefusalAsync(actor, what, reason, cancellationToken);
        throw new AccessDeniedException(reason);
    }
}
