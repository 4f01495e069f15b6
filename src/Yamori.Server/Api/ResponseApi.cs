using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Response;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>Response commands to devices: request, approve, deny, cancel, and their results.</summary>
public static class ResponseApi
{
    /// <summary>The command store's page limit.</summary>
    private const int MaxCommandPage = 500;

    public static RouteGroupBuilder MapResponseApi(this RouteGroupBuilder api)
    {
        api.MapPost("/devices/{deviceId:guid}/commands", RequestAsync).WithTags("Response")
            .WithSummary("Order an action on a device: isolate, release, kill {pid, image}, collect {path, maxBytes}, query {name}.");

        RouteGroupBuilder commands = api.MapGroup("/commands").WithTags("Response");
        commands.MapGet("/", ListAsync).WithSummary("Commands visible to the caller, newest first, keyset-paged.");
        commands.MapGet("/{commandId:guid}", async (Guid commandId, HttpContext http, ResponseService response, CancellationToken ct) =>
            await response.GetAsync(http.Actor().Scope, commandId, ct) is { } c ? TypedResults.Ok(CommandDto.From(c)) : Problems.NotFound()).WithSummary("One command with its result.");
        commands.MapPost("/{commandId:guid}/approve", (Guid commandId, HttpContext http, ResponseService response, IChangeRecorder changes, CancellationToken ct) =>
            ChangeAsync("command.approve", commandId, http, changes, () => response.ApproveAsync(http.Actor(), commandId, ct), ct)).WithSummary("The town approves a pending isolation.");
        commands.MapPost("/{commandId:guid}/deny", (Guid commandId, HttpContext http, ResponseService response, IChangeRecorder changes, CancellationToken ct) =>
            ChangeAsync("command.deny", commandId, http, changes, () => response.DenyAsync(http.Actor(), commandId, ct), ct)).WithSummary("The town refuses a pending isolation.");
        commands.MapPost("/{commandId:guid}/cancel", (Guid commandId, HttpContext http, ResponseService response, IChangeRecorder changes, CancellationToken ct) =>
            ChangeAsync("command.cancel", commandId, http, changes, () => response.CancelAsync(http.Actor(), commandId, ct), ct)).WithSummary("Withdraw a command not yet carried out.");

        RouteGroupBuilder tenant = api.MapGroup("/tenants/{tenantId:guid}").WithTags("Response");
        tenant.MapGet("/response-actions", async (Guid tenantId, HttpContext http, ITenancyStore tenancy, ResponseService response, CancellationToken ct) =>
            await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null
                ? Problems.NotFound()
                : TypedResults.Ok(await response.GetAllowedActionsAsync(http.Actor(), new TenantId(tenantId), ct)))
            .WithSummary("Which actions the caller may order in this town, and why not (for disabled buttons).");
        tenant.MapPut("/response-settings", PutSettingsAsync).RequireAuthorization(Policies.Admin).WithSummary("Whether isolation needs the town's approval.");
        return api;
    }

    private static async Task<IResult> RequestAsync(Guid deviceId, CommandRequest request, HttpContext http, ResponseService response, IChangeRecorder changes, CancellationToken ct)
    {
        if (!Enum.TryParse(request.Kind, ignoreCase: true, out ResponseKind kind) || !Enum.IsDefined(kind))
        {
            return Problems.Validation("kind must be isolate, release, kill, collect or query");
        }

        ResponseAction action = ResponseAction.FromArgs(kind, request.Args ?? new Dictionary<string, string>());
        TimeSpan? expiresIn = request.ExpiresInMinutes is { } m ? TimeSpan.FromMinutes(m) : null;
        CommandChange change = await response.RequestAsync(http.Actor(), new DeviceId(deviceId), action, request.IncidentId, expiresIn, ct);

        await changes.RecordAsync(http, "command.request", change.After.Tenant, "command", change.After.Id.ToString(), null, CommandDto.From(change.After), ct);
        return TypedResults.Created($"/api/v1/commands/{change.After.Id}", CommandDto.From(change.After));
    }

    private static async Task<IResult> ListAsync(Guid? deviceId, Guid? incidentId, string? state, int? limit, string? cursor, HttpContext http, ResponseService response, CancellationToken ct)
    {
        CommandState? filter = null;
        if (state is not null)
        {
            if (!Enum.TryParse(state, ignoreCase: true, out CommandState s))
            {
                return Problems.Validation($"state: '{state}' is not a command state");
            }

            filter = s;
        }

        CommandPage page = await response.ListAsync(http.Actor().Scope, new CommandQuery(deviceId is { } d ? new DeviceId(d) : null, incidentId, filter, Math.Min(Paging.Limit(limit), MaxCommandPage), cursor), ct);
        return TypedResults.Ok(new Page<CommandDto>(page.Items.Select(CommandDto.From).ToList(), page.NextCursor));
    }

    private static async Task<IResult> ChangeAsync(string action, Guid commandId, HttpContext http, IChangeRecorder changes, Func<Task<CommandChange>> change, CancellationToken ct)
    {
        CommandChange done = await change();

        await changes.RecordAsync(http, action, done.After.Tenant, "command", commandId.ToString(), done.Before is { } b ? CommandDto.From(b) : null, CommandDto.From(done.After), ct);
        return TypedResults.Ok(CommandDto.From(done.After));
    }

    private static async Task<IResult> PutSettingsAsync(Guid tenantId, ResponseSettingsRequest request, HttpContext http, ITenancyStore tenancy, ResponseService response, IChangeRecorder changes, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null)
        {
            return Problems.NotFound();
        }

        SettingsChange change = await response.SetRequireIsolationApprovalAsync(http.Actor(), new TenantId(tenantId), request.RequireIsolationApproval, ct);
        await changes.RecordAsync(http, "response.settings", new TenantId(tenantId), "tenant", tenantId.ToString(), change.Before, change.After, ct);
        return TypedResults.Ok(change.After);
    }
}

/// <summary>A command order. <paramref name="Args"/>: kill → pid, image; collect → path (maxBytes); query → name.</summary>
public sealed record CommandRequest(string Kind, Dictionary<string, string>? Args, Guid? IncidentId, int? ExpiresInMinutes);

public sealed record ResponseSettingsRequest(bool RequireIsolationApproval);

public sealed record CommandDto(
    Guid Id, Guid TenantId, Guid DeviceId, Guid? IncidentId, ResponseKind Kind, IReadOnlyDictionary<string, string> Args, string RequestedBy, DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt, CommandState State, string? ApprovedBy, DateTimeOffset? FirstDeliveredAt, int DeliveryCount, CommandResultDto? Result, CollectedFile? File)
{
    public static CommandDto From(ResponseCommand c) => new(
        c.Id, c.Tenant.Value, c.Device.Value, c.IncidentId, c.Action.Kind, Yamori.Cloud.Response.CommandMapping.ToProto(c).Args, c.RequestedBy.Name, c.RequestedAt, c.ExpiresAt, c.State,
        c.Approval?.By.Name, c.FirstDeliveredAt, c.DeliveryCount, c.Result is { } r ? CommandResultDto.From(r) : null, c.File);
}

public sealed record CommandResultDto(string Status, string Message, string Output, bool OutputTruncated, string? Sha256, long? SizeBytes, DateTimeOffset? FinishedAt, DateTimeOffset ReceivedAt)
{
    public static CommandResultDto From(CommandOutcome o) =>
        new(o.Status.ToString(), o.Message, System.Text.Encoding.UTF8.GetString(o.Output), o.OutputTruncated, o.Sha256, o.SizeBytes, o.FinishedAt, o.ReceivedAt);
}
