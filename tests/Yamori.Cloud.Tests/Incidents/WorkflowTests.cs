using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Cloud.Tests.Detection;
using Yamori.Sigma.Rules;
using static Yamori.Cloud.Tests.Incidents.IncidentFixtures;

namespace Yamori.Cloud.Tests.Incidents;

/// <summary>新規 → 調査中 → 対応中 → 解決済み / 誤検知, assignee and comments, each with actor and time.</summary>
public sealed class WorkflowTests : IDisposable
{
    private readonly DetectionHarness _h = new(Rules);
    private readonly TenantId _townA = TenantId.New();
    private readonly TenantId _townB = TenantId.New();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Every_transition_is_stored_with_actor_from_to_time_and_note()
    {
        Incident incident = await OpenAsync(_h, _townA);
        DateTimeOffset created = _h.Clock.GetUtcNow();
        IncidentStatus[] path = [IncidentStatus.Investigating, IncidentStatus.Responding, IncidentStatus.Resolved, IncidentStatus.Investigating, IncidentStatus.FalsePositive];
        var times = new List<DateTimeOffset>();
        IncidentStatus current = IncidentStatus.New;
        foreach (IncidentStatus to in path)
        {
            _h.Clock.Advance(TimeSpan.FromMinutes(7));
            times.Add(_h.Clock.GetUtcNow());
            IncidentChange change = (await _h.Incidents.ChangeStatusAsync(Actors.Soc, incident.Id, to, $"to {to}"))!;
            Assert.Equal(current, change.Before.Status);
            Assert.Equal(to, change.After.Status);
            Assert.Equal(_h.Clock.GetUtcNow(), change.After.UpdatedAt);
            current = to;
        }

        IncidentDetail detail = (await _h.Incidents.GetDetailAsync(Actors.Soc, incident.Id))!;
        IReadOnlyList<IncidentTransition> transitions = detail.History.Transitions;
        Assert.Equal(path.Length + 1, transitions.Count);
        Assert.Equal(new IncidentTransition(incident.Id, "system", null, IncidentStatus.New, created, null), transitions[0]);
        for (int i = 0; i < path.Length; i++)
        {
            IncidentTransition t = transitions[i + 1];
            Assert.Equal(i == 0 ? IncidentStatus.New : path[i - 1], t.From);
            Assert.Equal(path[i], t.To);
            Assert.Equal(times[i], t.At);
            Assert.Equal(Actors.Soc.Id, t.ActorId);
            Assert.Equal($"to {path[i]}", t.Note);
        }

        Assert.Equal(IncidentStatus.FalsePositive, detail.Incident.Status);
        Assert.Single(detail.Alerts);
    }

    [Theory]
    [InlineData(IncidentStatus.New, IncidentStatus.New)]
    [InlineData(IncidentStatus.Resolved, IncidentStatus.Responding)]
    [InlineData(IncidentStatus.FalsePositive, IncidentStatus.Resolved)]
    [InlineData(IncidentStatus.Investigating, IncidentStatus.New)]
    public async Task A_transition_outside_the_table_is_refused_naming_from_and_to(IncidentStatus from, IncidentStatus to)
    {
        Incident incident = await OpenAsync(_h, _townA);
        if (from != IncidentStatus.New)
        {
            if (from != IncidentStatus.Investigating)
            {
                await _h.Incidents.ChangeStatusAsync(Actors.Soc, incident.Id, IncidentStatus.Investigating);
            }

            await _h.Incidents.ChangeStatusAsync(Actors.Soc, incident.Id, from);
        }

        InvalidIncidentTransitionException ex = await Assert.ThrowsAsync<InvalidIncidentTransitionException>(async () => await _h.Incidents.ChangeStatusAsync(Actors.Soc, incident.Id, to));
        Assert.Equal(from, ex.From);
        Assert.Equal(to, ex.To);
        Assert.Contains($"from {IncidentWorkflow.Label(from).Wire}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"to {IncidentWorkflow.Label(to).Wire}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(from, (await _h.Incidents.GetAsync(Actors.Soc, incident.Id))!.Status);
    }

    [Fact]
    public void The_table_allows_reopening_and_forbids_skipping_back_to_new()
    {
        Assert.True(IncidentWorkflow.CanMove(IncidentStatus.Resolved, IncidentStatus.Investigating));
        Assert.True(IncidentWorkflow.CanMove(IncidentStatus.FalsePositive, IncidentStatus.Investigating));
        Assert.False(IncidentWorkflow.CanMove(IncidentStatus.Resolved, IncidentStatus.FalsePositive));
        foreach (IncidentStatus s in Enum.GetValues<IncidentStatus>())
        {
            Assert.False(IncidentWorkflow.CanMove(s, IncidentStatus.New));
            Assert.False(IncidentWorkflow.CanMove(s, s));
        }
    }

    [Fact]
    public async Task Assignee_changes_and_comments_are_recorded_with_author_and_time()
    {
        Incident incident = await OpenAsync(_h, _townA);
        Actor admin = Actors.Admin(_townA);

        _h.Clock.Advance(TimeSpan.FromMinutes(1));
        IncidentChange assigned = (await _h.Incidents.AssignAsync(Actors.Soc, incident.Id, "analyst-7", "takes it"))!;
        Assert.Null(assigned.Before.Assignee);
        Assert.Equal("analyst-7", assigned.After.Assignee);
        DateTimeOffset assignedAt = _h.Clock.GetUtcNow();

        _h.Clock.Advance(TimeSpan.FromMinutes(1));
        await _h.Incidents.AssignAsync(admin, incident.Id, null);
        _h.Clock.Advance(TimeSpan.FromMinutes(1));
        IncidentComment comment = (await _h.Incidents.AddCommentAsync(admin, incident.Id, "端末を確認しました"))!;

        IncidentHistory history = (await _h.Incidents.GetDetailAsync(admin, incident.Id))!.History;
        Assert.Equal(2, history.Assignments.Count);
        Assert.Equal(new IncidentAssignment(incident.Id, Actors.Soc.Id, null, "analyst-7", assignedAt, "takes it"), history.Assignments[0]);
        Assert.Equal("analyst-7", history.Assignments[1].From);
        Assert.Null(history.Assignments[1].To);
        Assert.Equal(admin.Id, history.Assignments[1].ActorId);
        IncidentComment stored = Assert.Single(history.Comments);
        Assert.Equal(comment, stored);
        Assert.Equal(_h.Clock.GetUtcNow(), stored.At);
        Assert.Equal(admin.Id, stored.AuthorId);

        await Assert.ThrowsAsync<ArgumentException>(async () => await _h.Incidents.AddCommentAsync(admin, incident.Id, "  "));
        await Assert.ThrowsAsync<ArgumentException>(async () => await _h.Incidents.AssignAsync(admin, incident.Id, ""));
    }

    [Fact]
    public async Task A_town_viewer_may_read_but_not_change_anything()
    {
        Incident incident = await OpenAsync(_h, _townA);
        Actor viewer = Actors.Viewer(_townA);

        Assert.NotNull(await _h.Incidents.GetDetailAsync(viewer, incident.Id));
        DetectionAccessException ex = await Assert.ThrowsAsync<DetectionAccessException>(async () => await _h.Incidents.ChangeStatusAsync(viewer, incident.Id, IncidentStatus.Investigating));
        Assert.Contains("town-viewer", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DetectionAccessException>(async () => await _h.Incidents.AssignAsync(viewer, incident.Id, "me"));
        await Assert.ThrowsAsync<DetectionAccessException>(async () => await _h.Incidents.AddCommentAsync(viewer, incident.Id, "hello"));

        IncidentDetail after = (await _h.Incidents.GetDetailAsync(viewer, incident.Id))!;
        Assert.Equal(IncidentStatus.New, after.Incident.Status);
        Assert.Null(after.Incident.Assignee);
        Assert.Empty(after.History.Comments);
        Assert.Single(after.History.Transitions);
    }

    [Fact]
    public async Task A_stale_status_change_is_refused_by_the_store()
    {
        Incident incident = await OpenAsync(_h, _townA);
        await _h.Incidents.ChangeStatusAsync(Actors.Soc, incident.Id, IncidentStatus.Investigating);

        // Someone still looking at the incident as new tries to move it: the store sees it moved on.
        var stale = new IncidentTransition(incident.Id, "other", IncidentStatus.New, IncidentStatus.Resolved, _h.Clock.GetUtcNow(), null);
        Assert.False(await _h.Store.ChangeStatusAsync(TenantScope.For(_townA), stale));
        Assert.Equal(IncidentStatus.Investigating, (await _h.Incidents.GetAsync(Actors.Soc, incident.Id))!.Status);
    }

    [Fact]
    public async Task A_new_alert_after_the_incident_was_closed_opens_a_new_incident()
    {
        DeviceId device = DeviceId.New();
        Alert first = await RaiseAsync(_h, _townA, device, SigmaLevel.Medium, T0);
        await _h.Incidents.ChangeStatusAsync(Actors.Soc, first.IncidentId!.Value, IncidentStatus.FalsePositive);

        Alert again = await RaiseAsync(_h, _townA, device, SigmaLevel.Medium, T0.AddMinutes(1));
        Assert.NotEqual(first.Id, again.Id);
        Assert.NotEqual(first.IncidentId, again.IncidentId);
        Assert.Equal(1, (await _h.Store.GetAlertAsync(TenantScope.For(_townA), first.Id))!.Count);
    }

    [Fact]
    public async Task Service_accounts_do_not_join_incidents_of_different_devices()
    {
        Alert a = await RaiseAsync(_h, _townA, DeviceId.New(), SigmaLevel.Medium, T0, @"NT AUTHORITY\SYSTEM");
        Alert b = await RaiseAsync(_h, _townA, DeviceId.New(), SigmaLevel.Medium, T0.AddMinutes(1), @"NT AUTHORITY\SYSTEM");
        Alert c = await RaiseAsync(_h, _townA, DeviceId.New(), SigmaLevel.Medium, T0.AddMinutes(2), @"YAMORI\tanaka");
        Alert d = await RaiseAsync(_h, _townA, DeviceId.New(), SigmaLevel.Medium, T0.AddMinutes(3), @"yamori\TANAKA");
        Alert e = await RaiseAsync(_h, _townB, DeviceId.New(), SigmaLevel.Medium, T0.AddMinutes(4), @"YAMORI\tanaka");

        Assert.NotEqual(a.IncidentId, b.IncidentId);
        Assert.Equal(c.IncidentId, d.IncidentId);
        Assert.NotEqual(c.IncidentId, e.IncidentId);
    }
}
