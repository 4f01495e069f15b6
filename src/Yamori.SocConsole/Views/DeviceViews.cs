using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>Online, offline, or either (online: seen within <see cref="DashboardView.OnlineWindow"/>).</summary>
public enum OnlineFilter
{
    Any = 0,
    Online = 1,
    Offline = 2,
}

public enum DeviceSort
{
    Hostname = 0,
    LastSeen = 1,
}

/// <summary>The device list's filters; all optional. <see cref="Town"/> only narrows the actor's scope.</summary>
public sealed record DeviceFilter(
    TenantId? Town = null,
    SegmentKind? SegmentKind = null,
    DeviceHealth? Health = null,
    OnlineFilter Online = OnlineFilter.Any,
    IsolationState? Isolation = null,
    string? HostnameContains = null,
    DeviceSort Sort = DeviceSort.Hostname,
    bool Descending = false);

/// <summary>One device with its town and segment resolved.</summary>
public sealed record DeviceRow(Device Device, Tenant? Town, Segment? Segment, bool Online);

/// <summary>The list, and the towns the actor may filter by (one for a town user).</summary>
public sealed record DeviceListing(IReadOnlyList<DeviceRow> Rows, IReadOnlyList<Tenant> Towns, int Total);

/// <summary>
/// The device list, read through the same tenant-scoped store as <c>GET /api/v1/devices</c>: a town
/// user's actor lists their own town's devices only, whatever town the filter names.
/// </summary>
public sealed class DeviceListView(ITenancyStore tenancy, TimeProvider time)
{
    public async Task<DeviceListing> ListAsync(Actor actor, DeviceFilter filter, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = time.GetUtcNow();
        TenantScope scope = actor.Scope;
        IReadOnlyList<Tenant> towns = await tenancy.ListTenantsAsync(scope, cancellationToken);
        IReadOnlyList<Segment> segments = await tenancy.ListSegmentsAsync(scope, cancellationToken);
        IReadOnlyList<Device> devices = await tenancy.ListDevicesAsync(scope, cancellationToken);
        Dictionary<TenantId, Tenant> townById = towns.ToDictionary(t => t.Id);
        Dictionary<SegmentId, Segment> segmentById = segments.ToDictionary(s => s.Id);

        string? host = string.IsNullOrWhiteSpace(filter.HostnameContains) ? null : filter.HostnameContains.Trim();
        IEnumerable<DeviceRow> rows = devices
            .Select(d => new DeviceRow(
                d,
                townById.GetValueOrDefault(d.Tenant),
                d.Segment is { } s ? segmentById.GetValueOrDefault(s) : null,
                IsOnline(d, now)))
            .Where(r => filter.Town is null || r.Device.Tenant == filter.Town)
            .Where(r => filter.SegmentKind is null || r.Segment?.Kind == filter.SegmentKind)
            .Where(r => filter.Health is null || r.Device.Health == filter.Health)
            .Where(r => filter.Online == OnlineFilter.Any || r.Online == (filter.Online == OnlineFilter.Online))
            .Where(r => filter.Isolation is null || r.Device.Isolation == filter.Isolation)
            .Where(r => host is null || r.Device.Hostname.Contains(host, StringComparison.OrdinalIgnoreCase));

        List<DeviceRow> sorted = Sort(rows, filter).ToList();
        return new DeviceListing(sorted, towns.OrderBy(t => t.Code.ToString(), StringComparer.Ordinal).ToList(), devices.Count);
    }

    /// <summary>Seen within the dashboard's online window (a device never seen is offline).</summary>
    public static bool IsOnline(Device device, DateTimeOffset now) =>
        device.LastSeen is { } seen && now - seen <= DashboardView.OnlineWindow;

    private static IEnumerable<DeviceRow> Sort(IEnumerable<DeviceRow> rows, DeviceFilter filter)
    {
        // Hostname breaks ties (and orders never-seen devices) so that the order is stable between reloads.
        IOrderedEnumerable<DeviceRow> ordered = filter.Sort switch
        {
            DeviceSort.LastSeen when filter.Descending => rows.OrderByDescending(r => r.Device.LastSeen ?? DateTimeOffset.MinValue),
            DeviceSort.LastSeen => rows.OrderBy(r => r.Device.LastSeen ?? DateTimeOffset.MinValue),
            _ when filter.Descending => rows.OrderByDescending(r => r.Device.Hostname, StringComparer.OrdinalIgnoreCase),
            _ => rows.OrderBy(r => r.Device.Hostname, StringComparer.OrdinalIgnoreCase),
        };
        return ordered.ThenBy(r => r.Device.Hostname, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Device.Id.Value);
    }
}
