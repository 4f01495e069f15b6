using Yamori.Cloud.Health;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>Everything the device page shows.</summary>
/// <param name="Report">The agent's latest self-report; null before its first.</param>
/// <param name="Incidents">The device's most recently active incidents.</param>
/// <param name="Events">The device's latest events, newest first.</param>
public sealed record DeviceDetail(
    Device Device,
    Tenant? Town,
    Segment? Segment,
    bool Online,
    AgentReport? Report,
    IReadOnlyList<Incident> Incidents,
    HuntResult Events);

/// <summary>
/// One device, read through the same tenant-scoped services as <c>GET /api/v1/devices/{id}</c> and
/// <c>/incidents?device=</c>: a device outside the actor's towns reads as absent (null), exactly
/// like one that does not exist.
/// </summary>
public sealed class DeviceDetailView(ITenancyStore tenancy, IAgentReportStore reports, IncidentService incidents, HuntingView hunting, TimeProvider time)
{
    public const int RecentIncidents = 20;

    public const int RecentEvents = 50;

    /// <summary>How far back the recent events look.</summary>
    public static readonly TimeSpan EventLookback = TimeSpan.FromDays(7);

    public async Task<DeviceDetail?> GetAsync(Actor actor, DeviceId id, CancellationToken cancellationToken = default)
    {
        TenantScope scope = actor.Scope;
        Device? device = await tenancy.GetDeviceAsync(scope, id, cancellationToken);
        if (device is null)
        {
            return null;
        }

        DateTimeOffset now = time.GetUtcNow();
        Tenant? town = await tenancy.GetTenantAsync(scope, device.Tenant, cancellationToken);
        Segment? segment = device.Segment is { } segmentId
            ? (await tenancy.ListSegmentsAsync(scope, cancellationToken)).FirstOrDefault(s => s.Id == segmentId)
            : null;
        AgentReport? report = await reports.GetAsync(scope, id, cancellationToken);
        IncidentPage page = await incidents.ListAsync(actor, new IncidentQuery(Device: id, Limit: RecentIncidents), cancellationToken);

        // A little past now: an endpoint clock slightly ahead must not hide its latest events.
        HuntResult events = await hunting.RecentAsync(actor, id, now - EventLookback, now.AddMinutes(5), RecentEvents, cancellationToken);
        return new DeviceDetail(device, town, segment, DeviceListView.IsOnline(device, now), report, page.Items, events);
    }
}
