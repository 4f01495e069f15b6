using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Response;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Live;
using Yamori.SocConsole.Session;

namespace Yamori.SocConsole.Views;

/// <summary>Everything the incident page shows, read in one go under the actor's scope.</summary>
public sealed record IncidentPageData(
    IncidentDetail Detail,
    Tenant Town,
    IReadOnlyList<Device> Devices,
    ProcessTree? Tree,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<ResponseCommand> Commands,
    IReadOnlyDictionary<ResponseKind, AllowedAction> Allowed,
    IReadOnlyDictionary<string, string> People);

/// <summary>
/// The incident page's reads and actions. Reads go through the incident and response services
/// with the actor (so another town's incident is simply absent); every change is audit-logged under
/// the API's action name.
/// </summary>
public sealed class IncidentDetailView(
    IncidentService incidents,
    ResponseService response,
    ITenancyStore tenancy,
    IncidentQueueView queue,
    ConsoleAudit audit,
    TenantAccess access,
    IncidentFeed feed)
{
    /// <summary>The page's data, or null when the incident does not exist or is outside the actor's towns.</summary>
    public async Task<IncidentPageData?> LoadAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        if (await incidents.GetDetailAsync(actor, id, cancellationToken) is not { } detail)
        {
            return null;
        }

        Incident incident = detail.Incident;
        Tenant town = (await tenancy.GetTenantAsync(actor.Scope, incident.Tenant, cancellationToken))!;
        IReadOnlyList<Device> devices = await DevicesAsync(actor, incident, cancellationToken);

        ProcessTree? tree = await incidents.GetProcessTreeAsync(actor, id, cancellationToken);
        IReadOnlyList<TimelineEntry> timeline = await incidents.GetTimelineAsync(actor, id, cancellationToken);
        IReadOnlyList<ResponseCommand> commands = await CommandsAsync(actor, id, cancellationToken);
        IReadOnlyList<AllowedAction> allowed = await response.GetAllowedActionsAsync(actor, incident.Tenant, cancellationToken);
        IReadOnlyDictionary<string, string> people = await queue.AssigneeNamesAsync(
            [incident.Assignee, .. detail.History.Transitions.Select(t => t.ActorId), .. detail.History.Assignments.SelectMany(a => new[] { a.ActorId, a.From, a.To }), .. detail.History.Comments.Select(c => c.AuthorId)],
            cancellationToken);
        return new IncidentPageData(detail, town, devices, tree, timeline, commands, allowed.ToDictionary(a => a.Kind), people);
    }

    /// <summary>The incident's devices as they are now (isolation state moves with command results).</summary>
    public async Task<IReadOnlyList<Device>> DevicesAsync(Actor actor, Incident incident, CancellationToken cancellationToken = default)
    {
        var devices = new List<Device>();
        foreach (DeviceId device in incident.Devices)
        {
            if (await tenancy.GetDeviceAsync(actor.Scope, device, cancellationToken) is { } d)
            {
                devices.Add(d);
            }
        }

        return devices;
    }

    /// <summary>The response commands attached to the incident, newest first.</summary>
    public async Task<IReadOnlyList<ResponseCommand>> CommandsAsync(Actor actor, Guid incidentId, CancellationToken cancellationToken = default) =>
        (await response.ListAsync(actor.Scope, new CommandQuery(IncidentId: incidentId, Limit: 200), cancellationToken)).Items;

    public async Task<Incident?> ChangeStatusAsync(Actor actor, Guid id, IncidentStatus to, string? note, CancellationToken cancellationToken = default) =>
        await RecordAsync(actor, "incident.status", await Refused(actor, "incident.status", () => incidents.ChangeStatusAsync(actor, id, to, Blank(note), cancellationToken).AsTask(), cancellationToken), cancellationToken);

    public async Task<Incident?> AssignAsync(Actor actor, Guid id, string? assignee, CancellationToken cancellationToken = default) =>
        await RecordAsync(actor, "incident.assign", await Refused(actor, "incident.assign", () => incidents.AssignAsync(actor, id, Blank(assignee), null, cancellationToken).AsTask(), cancellationToken), cancellationToken);

    public async Task<IncidentComment?> CommentAsync(Actor actor, Guid id, string text, CancellationToken cancellationToken = default)
    {
        if (await Refused(actor, "incident.comment", () => incidents.AddCommentAsync(actor, id, text, cancellationToken).AsTask(), cancellationToken) is not { } comment)
        {
            return null;
        }

        Incident? incident = await incidents.GetAsync(actor, id, cancellationToken);
        await audit.RecordAsync(actor, "incident.comment", incident?.Tenant, "incident", id.ToString(), null, comment, cancellationToken);
        return comment;
    }

    /// <summary>Orders a response action on a device, attached to the incident.</summary>
    /// <exception cref="ArgumentException">An argument is invalid (the message names it).</exception>
    /// <exception cref="ResponseNotFoundException">The device is not visible to the actor.</exception>
    /// <exception cref="ResponsePolicyException">The actor's role may not order this kind.</exception>
    public async Task<ResponseCommand> RequestAsync(Actor actor, Guid incidentId, DeviceId device, ResponseAction action, CancellationToken cancellationToken = default)
    {
        CommandChange change = await Refused(actor, "command.request", () => response.RequestAsync(actor, device, action, incidentId, null, cancellationToken), cancellationToken);
        await audit.RecordAsync(actor, "command.request", change.After.Tenant, "command", change.After.Id.ToString(), null, change.After, cancellationToken);
        return change.After;
    }

    /// <summary>The town's yes or no to a held isolation, or withdrawing an order not yet carried out.</summary>
    /// <param name="decision"><c>approve</c>, <c>deny</c> or <c>cancel</c> (the API's action names after <c>command.</c>).</param>
    /// <exception cref="ResponseNotFoundException">The command is not visible to the actor.</exception>
    /// <exception cref="ResponsePolicyException">The actor may not decide it.</exception>
    /// <exception cref="ResponseConflictException">It is no longer waiting for that decision.</exception>
    public async Task<ResponseCommand> DecideAsync(Actor actor, Guid commandId, string decision, CancellationToken cancellationToken = default)
    {
        CommandChange change = await Refused(actor, "command." + decision, () => decision switch
        {
            "approve" => response.ApproveAsync(actor, commandId, cancellationToken),
            "deny" => response.DenyAsync(actor, commandId, cancellationToken),
            "cancel" => response.CancelAsync(actor, commandId, cancellationToken),
            _ => throw new ArgumentException($"'{decision}' is not approve, deny or cancel", nameof(decision)),
        }, cancellationToken);
        await audit.RecordAsync(actor, "command." + decision, change.After.Tenant, "command", commandId.ToString(), change.Before, change.After, cancellationToken);
        return change.After;
    }

    /// <summary>Runs a change; a refusal by role is audit-logged (as the API's refusals are) and rethrown for the page to show.</summary>
    private async Task<T> Refused<T>(Actor actor, string action, Func<Task<T>> change, CancellationToken cancellationToken)
    {
        try
        {
            return await change();
        }
        catch (Exception ex) when (ex is DetectionAccessException or ResponsePolicyException)
        {
            await access.RecordRefusalAsync(actor, action, ex.Message, cancellationToken);
            throw;
        }
    }

    private async Task<Incident?> RecordAsync(Actor actor, string action, IncidentChange? change, CancellationToken cancellationToken)
    {
        if (change is null)
        {
            return null;
        }

        await audit.RecordAsync(actor, action, change.After.Tenant, "incident", change.After.Id.ToString(), change.Before, change.After, cancellationToken);
        feed.Publish(change.After.Tenant);
        return change.After;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
