using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Security;
using Yamori.SocConsole.Live;
using Yamori.Sigma.Rules;

namespace Yamori.Server.Api;

/// <summary>The incident queue and workflow, and the alerts behind it.</summary>
public static class IncidentsApi
{
    public static RouteGroupBuilder MapIncidentsApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder incidents = api.MapGroup("/incidents").WithTags("Incidents");
        incidents.MapGet("/", ListAsync).WithSummary("The incident queue, filtered and keyset-paged (sort=lastActivity|severity).");
        incidents.MapGet("/{incidentId:guid}", async (Guid incidentId, HttpContext http, IncidentService service, CancellationToken ct) =>
            await service.GetDetailAsync(http.Actor(), incidentId, ct) is { } d ? TypedResults.Ok(IncidentDetailDto.From(d)) : Problems.NotFound())
            .WithSummary("An incident with its alerts, status history, assignments and comments.");
        incidents.MapPost("/{incidentId:guid}/status", ChangeStatusAsync).RequireAuthorization(Policies.Operator)
            .WithSummary("Move the incident through 新規 → 調査中 → 対応中 → 解決済み / 誤検知 (reopen to 調査中).");
        incidents.MapPost("/{incidentId:guid}/assignee", AssignAsync).RequireAuthorization(Policies.Operator).WithSummary("Assign (or unassign with null).");
        incidents.MapPost("/{incidentId:guid}/comments", CommentAsync).RequireAuthorization(Policies.Operator).WithSummary("Add a comment.");
        incidents.MapGet("/{incidentId:guid}/timeline", async (Guid incidentId, HttpContext http, IncidentService service, CancellationToken ct) =>
        {
            if (await service.GetAsync(http.Actor(), incidentId, ct) is null)
            {
                return Problems.NotFound();
            }

            IReadOnlyList<TimelineEntry> entries = await service.GetTimelineAsync(http.Actor(), incidentId, ct);
            return TypedResults.Ok(entries.Select(TimelineEntryDto.From).ToList());
        }).WithSummary("Alerts and their raw events, in time order.");
        incidents.MapGet("/{incidentId:guid}/process-tree", async (Guid incidentId, HttpContext http, IncidentService service, CancellationToken ct) =>
            await service.GetProcessTreeAsync(http.Actor(), incidentId, ct) is { } tree ? TypedResults.Ok(tree) : Problems.NotFound())
            .WithSummary("The processes involved, their ancestors and descendants.");

        RouteGroupBuilder alerts = api.MapGroup("/alerts").WithTags("Incidents");
        alerts.MapGet("/{alertId:guid}", async (Guid alertId, HttpContext http, IAlertStore store, CancellationToken ct) =>
            await store.GetAlertAsync(http.Actor().Scope, alertId, ct) is { } a ? TypedResults.Ok(AlertDto.From(a)) : Problems.NotFound()).WithSummary("One alert.");
        return api;
    }

    private static async Task<IResult> ListAsync(
        string? status, string? minSeverity, Guid? tenantId, string? assignee, Guid? deviceId, string? sort, int? limit, string? cursor,
        HttpContext http, IncidentService service, CancellationToken ct)
    {
        var statuses = new List<IncidentStatus>();
        foreach (string part in (status ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParseStatus(part, out IncidentStatus s))
            {
                return Problems.Validation($"status: '{part}' is not one of new, investigating, responding, resolved, falsePositive");
            }

            statuses.Add(s);
        }

        SigmaLevel? min = null;
        if (minSeverity is not null)
        {
            if (!Enum.TryParse(minSeverity, ignoreCase: true, out SigmaLevel level))
            {
                return Problems.Validation($"minSeverity: '{minSeverity}' is not a Sigma level");
            }

            min = level;
        }

        var query = new IncidentQuery(
            statuses.Count > 0 ? statuses : null, min, tenantId is { } t ? new TenantId(t) : null, assignee, deviceId is { } d ? new DeviceId(d) : null,
            Sort: string.Equals(sort, "severity", StringComparison.OrdinalIgnoreCase) ? IncidentSort.Severity : IncidentSort.LastActivity,
            Limit: Paging.Limit(limit),
            Cursor: cursor);
        IncidentPage page = await service.ListAsync(http.Actor(), query, ct);
        return TypedResults.Ok(new Page<IncidentDto>(page.Items.Select(IncidentDto.From).ToList(), page.NextCursor));
    }

    private static async Task<IResult> ChangeStatusAsync(Guid incidentId, ChangeStatusRequest request, HttpContext http, IncidentService service, IChangeRecorder changes, IncidentFeed feed, CancellationToken ct)
    {
        if (!TryParseStatus(request.Status, out IncidentStatus to))
        {
            return Problems.Validation($"status: '{request.Status}' is not one of new, investigating, responding, resolved, falsePositive");
        }

        IncidentChange? change = await service.ChangeStatusAsync(http.Actor(), incidentId, to, request.Note, ct);
        if (change is null)
        {
            return Problems.NotFound();
        }

        await changes.RecordAsync(http, "incident.status", change.After.Tenant, "incident", incidentId.ToString(), IncidentDto.From(change.Before), IncidentDto.From(change.After), ct);
        feed.Publish(change.After.Tenant);
        return TypedResults.Ok(IncidentDto.From(change.After));
    }

    private static async Task<IResult> AssignAsync(Guid incidentId, AssignRequest request, HttpContext http, IncidentService service, IChangeRecorder changes, IncidentFeed feed, CancellationToken ct)
    {
        IncidentChange? change = await service.AssignAsync(http.Actor(), incidentId, request.Assignee, request.Note, ct);
        if (change is null)
        {
            return Problems.NotFound();
        }

        await changes.RecordAsync(http, "incident.assign", change.After.Tenant, "incident", incidentId.ToString(), IncidentDto.From(change.Before), IncidentDto.From(change.After), ct);
        feed.Publish(change.After.Tenant);
        return TypedResults.Ok(IncidentDto.From(change.After));
    }

    private static async Task<IResult> CommentAsync(Guid incidentId, CommentRequest request, HttpContext http, IncidentService service, IChangeRecorder changes, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Text))
        {
            return Problems.Validation("text is required");
        }

        IncidentComment? comment = await service.AddCommentAsync(http.Actor(), incidentId, request.Text, ct);
        if (comment is null)
        {
            return Problems.NotFound();
        }

        Incident? incident = await service.GetAsync(http.Actor(), incidentId, ct);
        await changes.RecordAsync(http, "incident.comment", incident?.Tenant, "incident", incidentId.ToString(), null, comment, ct);
        return TypedResults.Ok(comment);
    }

    internal static bool TryParseStatus(string? text, out IncidentStatus status) =>
        Enum.TryParse(text, ignoreCase: true, out status) && Enum.IsDefined(status);
}

public sealed record IncidentDto(
    Guid Id, Guid TenantId, string Title, string Severity, string Status, string StatusLabel, string? Assignee, IReadOnlyList<string> Techniques,
    IReadOnlyList<Guid> Devices, IReadOnlyList<string> Users, DateTimeOffset FirstActivity, DateTimeOffset LastActivity, int AlertCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static IncidentDto From(Incident i) => new(
        i.Id, i.Tenant.Value, i.Title, i.Severity.ToString().ToLowerInvariant(), IncidentWorkflow.Label(i.Status).Wire, IncidentWorkflow.Label(i.Status).Japanese, i.Assignee,
        i.Techniques, i.Devices.Select(d => d.Value).ToList(), i.Users, i.FirstActivity, i.LastActivity, i.AlertCount, i.CreatedAt, i.UpdatedAt);
}

public sealed record AlertDto(
    Guid Id, Guid TenantId, Guid DeviceId, string RuleId, string RuleTitle, string Level, IReadOnlyList<string> Techniques, IReadOnlyList<string> Tactics,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Count, IReadOnlyList<long> EventIds, string? User, string? Image, long? ProcessId, string? Detail, Guid? IncidentId, DateTimeOffset CreatedAt)
{
    public static AlertDto From(Alert a) => new(
        a.Id, a.Tenant.Value, a.Device.Value, a.RuleId, a.RuleTitle, a.Level.ToString().ToLowerInvariant(), a.Techniques, a.Tactics, a.FirstSeen, a.LastSeen, a.Count,
        a.EventIds, a.User, a.Image, a.ProcessId, a.Detail, a.IncidentId, a.CreatedAt);
}

public sealed record IncidentDetailDto(IncidentDto Incident, IReadOnlyList<AlertDto> Alerts, IReadOnlyList<IncidentTransition> Transitions, IReadOnlyList<IncidentAssignment> Assignments, IReadOnlyList<IncidentComment> Comments)
{
    public static IncidentDetailDto From(IncidentDetail d) => new(
        IncidentDto.From(d.Incident), d.Alerts.Select(AlertDto.From).ToList(), d.History.Transitions, d.History.Assignments, d.History.Comments);
}

public sealed record TimelineEntryDto(DateTimeOffset Time, TimelineEntryKind Kind, AlertDto? Alert, EventDto? Event, IReadOnlyList<Guid> AlertIds)
{
    public static TimelineEntryDto From(TimelineEntry e) => new(e.Time, e.Kind, e.Alert is { } a ? AlertDto.From(a) : null, e.Event is { } ev ? EventDto.From(ev) : null, e.AlertIds);
}

public sealed record ChangeStatusRequest(string Status, string? Note);

public sealed record AssignRequest(string? Assignee, string? Note);

public sealed record CommentRequest(string Text);
