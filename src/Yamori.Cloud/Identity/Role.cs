using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Identity;

/// <summary>
/// What a person or token may see and do. SOC roles belong to the prefecture and see every town;
/// town roles see only their own tenant.
/// </summary>
public enum Role
{
    /// <summary>Prefecture SOC administrator: every tenant, every action, user management.</summary>
    SocAdmin = 1,

    /// <summary>Prefecture SOC analyst: every tenant, triage and response.</summary>
    SocAnalyst = 2,

    /// <summary>A town's IT officer: their tenant, its devices, tokens, contacts and approvals.</summary>
    TownAdmin = 3,

    /// <summary>A town's read-only user.</summary>
    TownViewer = 4,
}

/// <summary>Role names as the API and configuration spell them (<c>soc-admin</c>, …).</summary>
public static class Roles
{
    public static bool SeesAllTenants(this Role role) => role is Role.SocAdmin or Role.SocAnalyst;

    public static string ToWire(this Role role) => role switch
    {
        Role.SocAdmin => "soc-admin",
        Role.SocAnalyst => "soc-analyst",
        Role.TownAdmin => "town-admin",
        Role.TownViewer => "town-viewer",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    public static bool TryParse(string? text, out Role role)
    {
        role = text switch
        {
            "soc-admin" => Role.SocAdmin,
            "soc-analyst" => Role.SocAnalyst,
            "town-admin" => Role.TownAdmin,
            "town-viewer" => Role.TownViewer,
            _ => 0,
        };
        return role != 0;
    }
}

/// <summary>Whether an <see cref="Actor"/> is a signed-in person, an API token, or the cloud itself.</summary>
public enum ActorKind
{
    User = 1,
    ApiToken = 2,

    /// <summary>The cloud acting on its own (detection, expiry, start-up); never carries a person's rights.</summary>
    System = 3,
}

/// <summary>
/// Who performs an action, as every service and the audit log see it. Town roles carry their
/// tenant; SOC roles carry none and see every tenant.
/// </summary>
/// <param name="Id">Stable id of the user or token (audit "who").</param>
/// <param name="Name">Display name (login name or token name).</param>
/// <param name="RemoteAddress">Where the request came from (audit "from where"); null for the system.</param>
public sealed record Actor(string Id, string Name, ActorKind Kind, Role Role, TenantId? Tenant, string? RemoteAddress)
{
    /// <summary>
    /// A user still on a one-time password (first start, reset by an admin): the API lets them do
    /// nothing but change it, sign out, or ask who they are.
    /// </summary>
    public bool MustChangePassword { get; init; }

    /// <summary>The cloud itself, for audit entries no person caused.</summary>
    public static Actor System { get; } = new("system", "system", ActorKind.System, Role.SocAdmin, null, null);

    /// <summary>The data this actor may reach; the only way services derive a scope from a caller.</summary>
    public TenantScope Scope => Role.SeesAllTenants()
        ? TenantScope.AllTenants
        : TenantScope.For(Tenant ?? throw new InvalidOperationException($"town role {Role.ToWire()} without a tenant"));
}
