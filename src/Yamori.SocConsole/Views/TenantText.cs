using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>Resource keys for the enum values the admin screens show (literal, so the key test sees them).</summary>
public static class TenantText
{
    public static string RoleKey(Role role) => role switch
    {
        Role.SocAdmin => "Role.SocAdmin",
        Role.SocAnalyst => "Role.SocAnalyst",
        Role.TownAdmin => "Role.TownAdmin",
        _ => "Role.TownViewer",
    };

    public static string KindKey(SegmentKind kind) => kind switch
    {
        SegmentKind.MyNumber => "Tenants.Kind.MyNumber",
        SegmentKind.Lgwan => "Tenants.Kind.Lgwan",
        _ => "Tenants.Kind.Internet",
    };

    public static string SeverityKey(Yamori.Cloud.Notifications.Severity severity) => severity switch
    {
        Yamori.Cloud.Notifications.Severity.Critical => "Severity.Critical",
        Yamori.Cloud.Notifications.Severity.High => "Severity.High",
        Yamori.Cloud.Notifications.Severity.Medium => "Severity.Medium",
        Yamori.Cloud.Notifications.Severity.Low => "Severity.Low",
        _ => "Severity.Informational",
    };

    /// <summary>Every key these functions return, for the tests.</summary>
    public static IEnumerable<string> AllKeys =>
        Enum.GetValues<Role>().Select(RoleKey)
            .Concat(Enum.GetValues<SegmentKind>().Select(KindKey))
            .Concat(Enum.GetValues<Yamori.Cloud.Notifications.Severity>().Select(SeverityKey));
}
