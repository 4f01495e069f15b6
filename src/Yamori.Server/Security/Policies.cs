using Microsoft.AspNetCore.Authorization;
using Yamori.Cloud.Identity;

namespace Yamori.Server.Security;

/// <summary>
/// Coarse role gates at the route level. Tenant isolation is not decided here: it comes from the
/// actor's scope in the stores, so a route gate can only be stricter, never looser.
/// </summary>
public static class Policies
{
    /// <summary>Any SOC role (prefecture).</summary>
    public const string Soc = "soc";

    /// <summary>soc-admin only: tenants, SOC users.</summary>
    public const string SocAdmin = "soc-admin";

    /// <summary>Those who may change a tenant's configuration: soc-admin, town-admin.</summary>
    public const string Admin = "admin";

    /// <summary>Those who may work incidents and responses: SOC roles and town-admin.</summary>
    public const string Operator = "operator";

    public static void Add(AuthorizationOptions options)
    {
        options.FallbackPolicy = new AuthorizationPolicyBuilder(ActorAuthentication.SchemeName).RequireAuthenticatedUser().Build();
        options.AddPolicy(Soc, p => p.RequireRole(Role.SocAdmin.ToWire(), Role.SocAnalyst.ToWire()));
        options.AddPolicy(SocAdmin, p => p.RequireRole(Role.SocAdmin.ToWire()));
        options.AddPolicy(Admin, p => p.RequireRole(Role.SocAdmin.ToWire(), Role.TownAdmin.ToWire()));
        options.AddPolicy(Operator, p => p.RequireRole(Role.SocAdmin.ToWire(), Role.SocAnalyst.ToWire(), Role.TownAdmin.ToWire()));
    }
}
