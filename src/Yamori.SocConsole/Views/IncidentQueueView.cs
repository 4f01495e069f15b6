using Yamori.Cloud;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Live;
using Yamori.SocConsole.Session;

namespace Yamori.SocConsole.Views;

/// <summary>One incident in the queue with its town's name.</summary>
public sealed record QueueRow(Incident Incident, string Town);

/// <summary>A page of the queue; <paramref name="NextCursor"/> loads more.</summary>
public sealed record QueuePage(IReadOnlyList<QueueRow> Rows, string? NextCursor);

/// <summary>What a bulk action did: how many incidents changed, and why the others did not.</summary>
public sealed record BulkOutcome(int Changed, IReadOnlyList<string> Refusals);

/// <summary>
/// The incident queue and its bulk actions, through the incident service (tenant-scoped by the
/// actor) with each change audit-logged under the API's action names.
/// </summary>
public sealed class IncidentQueueView(IncidentService incidents, ITenancyStore tenancy, IUserStore users, ConsoleAudit audit, TenantAccess access, IncidentFeed feed, TimeProvider time)
{
    public const int PageSize = 100;

    /// <summary>
    /// People the actor may assign incidents to: those in scope who may work incidents, and for an
    /// incident of <paramref name="town"/> only the SOC's and that town's (another town's admin could
    /// never see it).
    /// </summary>
    public async Task<IReadOnlyList<User>> AssigneesAsync(Actor actor, TenantId? town = null, CancellationToken cancellationToken = default) =>
        [.. (await users.ListAsync(actor.Scope, cancellationToken))
            .Where(u => !u.Disabled && u.Role != Role.TownViewer && (town is null || u.Tenant is null || u.Tenant == town))
            .OrderBy(u => u.Login, StringComparer.Ordinal)];

    /// <summary>
    /// Login names for assignee ids (user ids). Assignees are often SOC analysts whom a town user
    /// cannot list, but the town may know who works its incident; ids that are not users show as is.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> AssigneeNamesAsync(IEnumerable<string?> ids, CancellationToken cancellationToken = default)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string? id in ids)
        {
            if (id is null || names.ContainsKey(id))
            {
                continue;
            }

            names[id] = UserId.TryParse(id, out UserId userId) && await users.FindByIdAsync(userId, cancellationToken) is { } user ? user.Login : id;
        }

        return names;
    }

    public async Task<QueuePage> LoadAsync(Actor actor, IncidentFilter filter, string? cursor = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<Tenant> towns = await tenancy.ListTenantsAsync(actor.Scope, cancellationToken);
        var names = towns.ToDictionary(t => t.Id, t => t.Name);
        IncidentPage page = await incidents.ListAsync(actor, filter.ToQuery(time.GetUtcNow(), PageSize, cursor), cancellationToken);
        var rows = page.Items.Select(i => new QueueRow(i, names.GetValueOrDefault(i.Tenant, i.Tenant.ToString()))).ToList();
        return new QueuePage(rows, page.NextCursor);
    }

    /// <summary>
    /// Assigns every listed incident the actor can see; unknown ones count as refusals, and so does
    /// an incident of another town than the assignee's (they could never see it).
    /// </summary>
    public async Task<BulkOutcome> AssignAsync(Actor actor, IReadOnlyCollection<Guid> ids, string? assignee, CancellationToken cancellationToken = default)
    {
        string? to = string.IsNullOrWhiteSpace(assignee) ? null : assignee.Trim();
        TenantId? assigneeTown = to is not null && UserId.TryParse(to, out UserId userId) && await users.FindByIdAsync(userId, cancellationToken) is { } user ? user.Tenant : null;
        return await ForEachAsync(ids, "incident.assign", actor, async id =>
        {
            if (assigneeTown is { } town && await incidents.GetAsync(actor, id, cancellationToken) is { } incident && incident.Tenant != town)
            {
                throw new ArgumentException("the assignee belongs to another town and could not see this incident", nameof(assignee));
            }

            return await incidents.AssignAsync(actor, id, to, null, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Moves every listed incident to <paramref name="to"/>; a transition the workflow forbids is a refusal, not an error.</summary>
    public Task<BulkOutcome> ChangeStatusAsync(Actor actor, IReadOnlyCollection<Guid> ids, IncidentStatus to, CancellationToken cancellationToken = default) =>
        ForEachAsync(ids, "incident.status", actor, id => incidents.ChangeStatusAsync(actor, id, to, null, cancellationToken), cancellationToken);

    private async Task<BulkOutcome> ForEachAsync(IReadOnlyCollection<Guid> ids, string action, Actor actor, Func<Guid, ValueTask<IncidentChange?>> change, CancellationToken cancellationToken)
    {
        int changed = 0;
        var refusals = new List<string>();
        foreach (Guid id in ids)
        {
            try
            {
                if (await change(id) is not { } done)
                {
                    refusals.Add($"{id}: not found");
                    continue;
                }

                await audit.RecordAsync(actor, action, done.After.Tenant, "incident", id.ToString(), done.Before, done.After, cancellationToken);
                feed.Publish(done.After.Tenant);
                changed++;
            }
            catch (Exception ex) when (ex is InvalidIncidentTransitionException or AccessDeniedException or DetectionAccessException or ConcurrentChangeException or ArgumentException)
            {
                refusals.Add($"{id}: {ex.Message}");
                if (ex is DetectionAccessException)
                {
                    // A refusal by role is audited, as the API's refusals are.
                    await access.RecordRefusalAsync(actor, action, ex.Message, cancellationToken);
                }
            }
        }

        return new BulkOutcome(changed, refusals);
    }
}
