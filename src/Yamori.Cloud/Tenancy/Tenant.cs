using System.Net;

namespace Yamori.Cloud.Tenancy;

/// <summary>
/// A municipality the prefecture's cloud protects. Everything the cloud stores about devices,
/// telemetry, alerts and people belongs to exactly one tenant.
/// </summary>
/// <param name="Name">Display name in Japanese (e.g. 千代田区).</param>
/// <param name="EventRetentionDays">How long raw telemetry is kept, counted from its receipt.</param>
public sealed record Tenant(
    TenantId Id,
    MunicipalityCode Code,
    string Name,
    int EventRetentionDays,
    DateTimeOffset CreatedAt);

/// <summary>The three-layer separation (三層分離) a municipal network is split into.</summary>
public enum SegmentKind
{
    /// <summary>マイナンバー利用事務系: resident registry, tax, social security. Never reaches the internet.</summary>
    MyNumber = 1,

    /// <summary>LGWAN接続系: internal work; internet files only after sanitisation.</summary>
    Lgwan = 2,

    /// <summary>インターネット接続系: web, external mail, SaaS.</summary>
    Internet = 3,
}

/// <summary>
/// One of a tenant's network segments with the address ranges that define it, so that telemetry
/// can be checked against the crossings the separation forbids.
/// </summary>
public sealed record Segment(
    SegmentId Id,
    TenantId Tenant,
    SegmentKind Kind,
    string Name,
    IReadOnlyList<IPNetwork> Cidrs);

/// <summary>How healthy the agent reports the device to be; the zero-trust gateway admits only <see cref="Healthy"/>.</summary>
public enum DeviceHealth
{
    Unknown = 0,
    Healthy = 1,
    Degraded = 2,
    Unhealthy = 3,
}

/// <summary>Network isolation as ordered by the SOC and confirmed by the agent.</summary>
public enum IsolationState
{
    None = 0,

    /// <summary>Ordered, not yet confirmed by the agent.</summary>
    Isolating = 1,
    Isolated = 2,

    /// <summary>Release ordered, not yet confirmed.</summary>
    Releasing = 3,
}

/// <summary>An enrolled endpoint (staff PC or server).</summary>
/// <param name="Os">Platform and version as the agent reports it, e.g. "windows 10.0.22631".</param>
/// <param name="LastSeen">Last message of any kind on the agent's stream; null before the first.</param>
public sealed record Device(
    DeviceId Id,
    TenantId Tenant,
    string Hostname,
    string Os,
    SegmentId? Segment,
    string AgentVersion,
    DateTimeOffset? LastSeen,
    DeviceHealth Health,
    IsolationState Isolation,
    IReadOnlyList<string> Tags);
