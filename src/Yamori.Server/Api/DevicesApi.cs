using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Agents;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>Enrolled endpoints, their telemetry and their integrity gaps.</summary>
public static class DevicesApi
{
    public static RouteGroupBuilder MapDevicesApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder devices = api.MapGroup("/devices").WithTags("Devices");
        devices.MapGet("/", ListAsync).WithSummary("Devices visible to the caller, optionally of one tenant; keyset-paged.");
        devices.MapGet("/{deviceId:guid}", GetAsync).WithSummary("One device.");
        devices.MapPost("/{deviceId:guid}/revoke", RevokeAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Revoke the device's certificate: refused from the next handshake, open stream closed now.");
        devices.MapGet("/{deviceId:guid}/events", EventsAsync).WithSummary("The device's stored events in [from, to), keyset-paged by id.");
        devices.MapGet("/{deviceId:guid}/gaps", GapsAsync).WithSummary("Telemetry-integrity gaps: batches that never arrived.");
        return api;
    }

    private static async Task<IResult> ListAsync(Guid? tenantId, string? cursor, int? limit, HttpContext http, ITenancyStore tenancy, CancellationToken ct)
    {
        IReadOnlyList<Device> all = await tenancy.ListDevicesAsync(http.Actor().Scope, ct);
        List<Device> ordered = all.Where(d => tenantId is null || d.Tenant.Value == tenantId).OrderBy(d => d.Id.Value).ToList();
        return TypedResults.Ok(Paging.ByKey(ordered, d => d.Id.Value, cursor, limit, DeviceDto.From));
    }

    private static async Task<IResult> GetAsync(Guid deviceId, HttpContext http, ITenancyStore tenancy, CancellationToken ct) =>
        await tenancy.GetDeviceAsync(http.Actor().Scope, new DeviceId(deviceId), ct) is { } device ? TypedResults.Ok(DeviceDto.From(device)) : Problems.NotFound();

    private static async Task<IResult> RevokeAsync(
        Guid deviceId, RevokeRequest request, HttpContext http, ITenancyStore tenancy, DeviceRevoker revoker, Yamori.Cloud.Enrollment.IDeviceRevocationStore revocations, IChangeRecorder changes, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return Problems.Validation("reason is required (it is shown to the town and kept in the audit log)");
        }

        Device? device = await tenancy.GetDeviceAsync(http.Actor().Scope, new DeviceId(deviceId), ct);
        if (device is null)
        {
            return Problems.NotFound();
        }

        // A second revocation keeps the first one's time and reason; the audit says so.
        bool already = await revocations.IsRevokedAsync(device.Id, ct);
        if (!await revoker.RevokeAsync(http.Actor().Scope, device.Id, request.Reason.Trim(), ct))
        {
            return Problems.NotFound();
        }

        await changes.RecordAsync(
            http, "device.revoke", device.Tenant, "device", device.Id.ToString(), new { revoked = already }, new { revoked = true, reason = already ? "(already revoked; unchanged)" : request.Reason.Trim() }, ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> EventsAsync(
        Guid deviceId, DateTimeOffset? from, DateTimeOffset? to, long? after, int? limit, HttpContext http, ITenancyStore tenancy, IEventStore events, TimeProvider time, CancellationToken ct)
    {
        TenantScope scope = http.Actor().Scope;
        if (await tenancy.GetDeviceAsync(scope, new DeviceId(deviceId), ct) is null)
        {
            return Problems.NotFound();
        }

        DateTimeOffset end = to ?? time.GetUtcNow().AddMinutes(5);
        DateTimeOffset start = from ?? end.AddDays(-1);
        int take = Paging.Limit(limit);
        IReadOnlyList<StoredEvent> page = await events.QueryEventsAsync(scope, new EventQuery(new DeviceId(deviceId), start, end, take + 1, after), ct);
        bool more = page.Count > take;
        List<EventDto> items = page.Take(take).Select(EventDto.From).ToList();
        return TypedResults.Ok(new Page<EventDto>(items, more ? items[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null));
    }

    private static async Task<IResult> GapsAsync(Guid deviceId, HttpContext http, ITenancyStore tenancy, IEventStore events, CancellationToken ct)
    {
        TenantScope scope = http.Actor().Scope;
        if (await tenancy.GetDeviceAsync(scope, new DeviceId(deviceId), ct) is null)
        {
            return Problems.NotFound();
        }

        IReadOnlyList<IntegrityGap> gaps = await events.QueryGapsAsync(scope, new DeviceId(deviceId), ct);
        return TypedResults.Ok(gaps.Select(g => new GapDto(g.FirstMissing, g.LastMissing, g.MissingBatches, g.DetectedAt)).ToList());
    }
}

public sealed record DeviceDto(
    Guid Id, Guid TenantId, string Hostname, string Os, Guid? SegmentId, string AgentVersion, DateTimeOffset? LastSeen, string Health, string Isolation, IReadOnlyList<string> Tags)
{
    public static DeviceDto From(Device d) =>
        new(d.Id.Value, d.Tenant.Value, d.Hostname, d.Os, d.Segment?.Value, d.AgentVersion, d.LastSeen, d.Health.ToString(), d.Isolation.ToString(), d.Tags);
}

public sealed record EventDto(long Id, DateTimeOffset Time, DateTimeOffset ReceivedAt, string Product, string Category, string Service, ulong Sequence, IReadOnlyDictionary<string, object?> Fields)
{
    public static EventDto From(StoredEvent e)
    {
        var fields = new Dictionary<string, object?>(e.Event.Fields.Count, StringComparer.Ordinal);
        foreach (EventField field in e.Event.Fields)
        {
            fields[field.Name] = JsonValue(field.Value);
        }

        return new EventDto(e.Id, e.Event.Time, e.ReceivedAt, e.Event.Source.Product, e.Event.Source.Category, e.Event.Source.Service, e.Sequence, fields);
    }

    private static object? JsonValue(EventValue value) => value.Kind switch
    {
        EventValueKind.String => value.AsString,
        EventValueKind.Int64 => value.AsInt64,
        EventValueKind.Double => value.AsDouble,
        EventValueKind.Boolean => value.AsBoolean,
        EventValueKind.StringList => value.Items,
        _ => null,
    };
}

public sealed record GapDto(ulong FirstMissing, ulong LastMissing, ulong MissingBatches, DateTimeOffset DetectedAt);

public sealed record RevokeRequest(string Reason);
