using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Response;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Tests.Support;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Incidents;

/// <summary>
/// The queue and incident page's data and actions against a real cloud (Kestrel, SQLite, a recorded
/// SigmaHQ attack shipped by an mTLS agent into town A): each actor sees exactly its towns, actions
/// are refused by role where the API refuses them, and every change lands in the audit log.
/// </summary>
public sealed class IncidentViewsTests : IAsyncLifetime
{
    private AttackScenario? _s;

    public async Task InitializeAsync()
    {
        if (RecordedAttacks.Root is not null)
        {
            _s = await AttackScenario.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_s is not null)
        {
            await _s.DisposeAsync();
        }
    }

    private Guid IncidentA => Guid.Parse((string)_s!.IncidentA["id"]!);

    private Actor Soc => new("soc-analyst-1", "analyst1", ActorKind.User, Role.SocAnalyst, null, "127.0.0.1");

    private Actor AdminA => new(_s!.AdminAId.ToString(), "karuizawa-admin", ActorKind.User, Role.TownAdmin, _s.Cloud.TownA.Id, "127.0.0.1");

    private Actor AdminB => new(_s!.AdminBId.ToString(), "obuse-admin", ActorKind.User, Role.TownAdmin, _s.Cloud.TownB.Id, "127.0.0.1");

    private Actor ViewerA => new("viewer-a", "karuizawa-viewer", ActorKind.User, Role.TownViewer, _s!.Cloud.TownA.Id, "127.0.0.1");

    [SkippableFact]
    public async Task The_queue_shows_each_actor_exactly_its_towns()
    {
        Skip.If(_s is null, "SigmaHQ data not found (YAMORI_SIGMAHQ or ../shared/data/sigmahq)");
        IncidentQueueView queue = _s.Cloud.Get<IncidentQueueView>();

        QueueRow own = Assert.Single((await queue.LoadAsync(AdminA, IncidentFilter.Open)).Rows);
        Assert.Equal(IncidentA, own.Incident.Id);
        Assert.Equal(_s.Cloud.TownA.Name, own.Town);
        Assert.Empty((await queue.LoadAsync(AdminB, IncidentFilter.Open)).Rows);
        Assert.Empty((await queue.LoadAsync(AdminB, IncidentFilter.Open with { Town = _s.Cloud.TownA.Id })).Rows);

        Assert.Equal(IncidentA, Assert.Single((await queue.LoadAsync(Soc, IncidentFilter.Open)).Rows).Incident.Id);
        Assert.Empty((await queue.LoadAsync(Soc, IncidentFilter.Open with { Town = _s.Cloud.TownB.Id })).Rows);

        // Assignee choices: a town admin is offered people of their own town only, never the other town's.
        Assert.DoesNotContain(await queue.AssigneesAsync(AdminA), u => u.Tenant == _s.Cloud.TownB.Id);
        Assert.Contains(await queue.AssigneesAsync(Soc), u => u.Tenant == _s.Cloud.TownB.Id);
    }

    [SkippableFact]
    public async Task The_dashboard_counts_each_towns_open_incidents_and_devices_for_whoever_may_see_them()
    {
        Skip.If(_s is null, "SigmaHQ data not found (YAMORI_SIGMAHQ or ../shared/data/sigmahq)");
        DashboardView view = _s.Cloud.Get<DashboardView>();
        Incident incident = (await _s.Cloud.Get<IncidentService>().GetAsync(Soc, IncidentA))!;

        IReadOnlyList<TownSummary> soc = await view.BuildAsync(Soc);
        Assert.Equal(2, soc.Count);
        TownSummary a = soc.Single(t => t.Tenant.Id == _s.Cloud.TownA.Id);
        Assert.Equal(new Dictionary<Yamori.Sigma.Rules.SigmaLevel, int> { [incident.Severity] = 1 }, a.OpenBySeverity);
        Assert.Equal((1, 0), (a.DevicesOnline + a.DevicesOffline, a.DevicesIsolated));
        Assert.Equal(0, soc.Single(t => t.Tenant.Id == _s.Cloud.TownB.Id).OpenIncidents);

        TownSummary onlyB = Assert.Single(await view.BuildAsync(AdminB));
        Assert.Equal(_s.Cloud.TownB.Id, onlyB.Tenant.Id);

        // Resolved incidents leave the open counts.
        await _s.Cloud.Get<IncidentQueueView>().ChangeStatusAsync(AdminA, [IncidentA], IncidentStatus.Resolved);
        Assert.Equal(0, Assert.Single(await view.BuildAsync(AdminA)).OpenIncidents);
    }

    [SkippableFact]
    public async Task The_incident_page_holds_the_tree_the_timeline_and_the_allowed_actions_and_is_absent_for_another_town()
    {
        Skip.If(_s is null, "SigmaHQ data not found (YAMORI_SIGMAHQ or ../shared/data/sigmahq)");
        IncidentDetailView view = _s.Cloud.Get<IncidentDetailView>();

        Assert.Null(await view.LoadAsync(AdminB, IncidentA));
        Assert.Null(await view.LoadAsync(AdminA, Guid.CreateVersion7()));

        IncidentPageData data = (await view.LoadAsync(AdminA, IncidentA))!;
        Assert.Equal(_s.Cloud.TownA.Id, data.Town.Id);
        Assert.Equal("karuizawa-pc-01", Assert.Single(data.Devices).Hostname);
        ProcessNode involved = Assert.Single(Flatten(data.Tree!.Roots), n => n.Involved);
        Assert.EndsWith("certutil.exe", involved.Image, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(data.Timeline, e => e.Kind == TimelineEntryKind.Alert);
        // By default a town admin may release an isolation but only the SOC may isolate.
        Assert.True(data.Allowed[ResponseKind.Release].Allowed);
        Assert.False(data.Allowed[ResponseKind.Isolate].Allowed);
        Assert.True((await view.LoadAsync(Soc, IncidentA))!.Allowed[ResponseKind.Isolate].Allowed);

        IncidentPageData viewer = (await view.LoadAsync(ViewerA, IncidentA))!;
        Assert.All(viewer.Allowed.Values, a => Assert.False(a.Allowed, $"{a.Kind} allowed for a town viewer"));
    }

    [SkippableFact]
    public async Task Bulk_changes_apply_where_the_workflow_allows_refuse_the_rest_and_are_audit_logged()
    {
        Skip.If(_s is null, "SigmaHQ data not found (YAMORI_SIGMAHQ or ../shared/data/sigmahq)");
        IncidentQueueView queue = _s.Cloud.Get<IncidentQueueView>();
        IAuditLog audit = _s.Cloud.Get<IAuditLog>();
        Guid unknown = Guid.CreateVersion7();

        BulkOutcome assigned = await queue.AssignAsync(AdminA, [IncidentA, unknown], AdminA.Id);
        Assert.Equal(1, assigned.Changed);
        Assert.Contains(unknown.ToString(), Assert.Single(assigned.Refusals), StringComparison.Ordinal);

        BulkOutcome moved = await queue.ChangeStatusAsync(AdminA, [IncidentA], IncidentStatus.Investigating);
        Assert.Equal(1, moved.Changed);
        BulkOutcome back = await queue.ChangeStatusAsync(AdminA, [IncidentA], IncidentStatus.New);
        Assert.Equal(0, back.Changed);
        Assert.Single(back.Refusals);

        // Nobody of another town can be made its assignee: they could never see it.
        Assert.DoesNotContain(await queue.AssigneesAsync(Soc, _s.Cloud.TownA.Id), u => u.Tenant == _s.Cloud.TownB.Id);
        BulkOutcome foreign = await queue.AssignAsync(Soc, [IncidentA], _s.AdminBId.ToString());
        Assert.Equal(0, foreign.Changed);
        Assert.Contains("another town", Assert.Single(foreign.Refusals), StringComparison.Ordinal);

        // Town B's admin cannot touch it, and a town viewer is read-only.
        Assert.Equal(0, (await queue.ChangeStatusAsync(AdminB, [IncidentA], IncidentStatus.Resolved)).Changed);
        Assert.Equal(0, (await queue.AssignAsync(ViewerA, [IncidentA], null)).Changed);

        Incident now = (await _s.Cloud.Get<IncidentService>().GetAsync(Soc, IncidentA))!;
        Assert.Equal((IncidentStatus.Investigating, AdminA.Id), (now.Status, now.Assignee));

        AuditPage entries = await audit.QueryAsync(TenantScope.AllTenants, new AuditQuery(ActorId: AdminA.Id, ActionPrefix: "incident"));
        Assert.Equal(["incident.assign", "incident.status"], entries.Entries.Select(e => e.Record.Action).Order(StringComparer.Ordinal));
        AuditRecord status = entries.Entries.Single(e => e.Record.Action == "incident.status").Record;
        Assert.Contains("\"status\":\"New\"", status.Before, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"status\":\"Investigating\"", status.After, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("127.0.0.1", status.RemoteAddress);
    }

    [SkippableFact]
    public async Task A_response_order_attaches_to_the_incident_is_refused_by_role_and_is_audit_logged()
    {
        Skip.If(_s is null, "SigmaHQ data not found (YAMORI_SIGMAHQ or ../shared/data/sigmahq)");
        IncidentDetailView view = _s.Cloud.Get<IncidentDetailView>();
        var device = new DeviceId(_s.DeviceA.DeviceId);

        await Assert.ThrowsAsync<ResponsePolicyException>(() => view.RequestAsync(ViewerA, IncidentA, device, ResponseAction.Isolate()));
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => view.RequestAsync(AdminB, IncidentA, device, ResponseAction.Isolate()));

        // The refusal by role is in the audit log, as the API's are.
        AuditRecord refused = Assert.Single((await _s.Cloud.Get<IAuditLog>().QueryAsync(TenantScope.AllTenants, new AuditQuery(ActorId: ViewerA.Id))).Entries).Record;
        Assert.Equal(("api.refused", AuditOutcome.Denied, "command.request"), (refused.Action, refused.Outcome, refused.TargetId));

        ResponseCommand ordered = await view.RequestAsync(Soc, IncidentA, device, ResponseAction.Isolate());
        Assert.Equal(IncidentA, ordered.IncidentId);
        Assert.Equal(ordered.Id, Assert.Single(await view.CommandsAsync(AdminA, IncidentA)).Id);
        Assert.Empty(await view.CommandsAsync(AdminB, IncidentA));

        IncidentComment comment = (await view.CommentAsync(AdminA, IncidentA, "隔離を依頼しました"))!;
        Assert.Null(await view.CommentAsync(AdminB, IncidentA, "見えてはいけない"));

        AuditPage entries = await _s.Cloud.Get<IAuditLog>().QueryAsync(TenantScope.For(_s.Cloud.TownA.Id), new AuditQuery());
        AuditRecord request = entries.Entries.Single(e => e.Record.Action == "command.request").Record;
        Assert.Equal((Soc.Id, ordered.Id.ToString()), (request.ActorId, request.TargetId));
        Assert.Contains(entries.Entries, e => e.Record.Action == "incident.comment" && e.Record.After!.Contains(comment.Id.ToString(), StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_held_isolation_is_approved_by_its_own_town_only_and_the_decision_is_audit_logged()
    {
        Skip.If(_s is null, "SigmaHQ data not found (YAMORI_SIGMAHQ or ../shared/data/sigmahq)");
        IncidentDetailView view = _s.Cloud.Get<IncidentDetailView>();
        await _s.Cloud.Get<ResponseService>().SetRequireIsolationApprovalAsync(AdminA, _s.Cloud.TownA.Id, true);

        ResponseCommand held = await view.RequestAsync(Soc, IncidentA, new DeviceId(_s.DeviceA.DeviceId), ResponseAction.Isolate());
        Assert.Equal(CommandState.PendingApproval, held.State);
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => view.DecideAsync(AdminB, held.Id, "approve"));
        await Assert.ThrowsAsync<ResponsePolicyException>(() => view.DecideAsync(ViewerA, held.Id, "approve"));

        ResponseCommand approved = await view.DecideAsync(AdminA, held.Id, "approve");
        Assert.Equal(CommandState.Queued, approved.State);
        await Assert.ThrowsAsync<ResponseConflictException>(() => view.DecideAsync(AdminA, held.Id, "deny"));
        Assert.Equal(CommandState.Cancelled, (await view.DecideAsync(Soc, held.Id, "cancel")).State);

        AuditPage entries = await _s.Cloud.Get<IAuditLog>().QueryAsync(TenantScope.For(_s.Cloud.TownA.Id), new AuditQuery(ActionPrefix: "command"));
        Assert.Equal(["command.request", "command.approve", "command.cancel"], entries.Entries.Select(e => e.Record.Action));
        Assert.Equal(AdminA.Id, entries.Entries[1].Record.ActorId);
    }

    [SkippableFact]
    public async Task A_change_made_through_the_api_tells_open_queues_of_that_town()
    {
        Skip.If(_s is null, "SigmaHQ data not found (YAMORI_SIGMAHQ or ../shared/data/sigmahq)");
        var told = new List<TenantId>();
        Live.IncidentFeed feed = _s.Cloud.Get<Live.IncidentFeed>();
        void Record(TenantId t)
        {
            lock (told)
            {
                told.Add(t);
            }
        }

        feed.Changed += Record;
        try
        {
            await _s.AdminA.PostAsync($"api/v1/incidents/{IncidentA}/status", new { status = "investigating" });
            await _s.AdminA.PostAsync($"api/v1/incidents/{IncidentA}/assignee", new { assignee = "someone" });
        }
        finally
        {
            feed.Changed -= Record;
        }

        Assert.Equal([_s.Cloud.TownA.Id, _s.Cloud.TownA.Id], told);
    }

    private static IEnumerable<ProcessNode> Flatten(IEnumerable<ProcessNode> nodes) =>
        nodes.SelectMany(n => Flatten(n.Children).Prepend(n));
}
