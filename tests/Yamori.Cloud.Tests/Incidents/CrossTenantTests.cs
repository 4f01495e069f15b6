using System.Reflection;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Cloud.Tests.Detection;
using Yamori.Sigma.Rules;
using static Yamori.Cloud.Tests.Incidents.IncidentFixtures;

namespace Yamori.Cloud.Tests.Incidents;

/// <summary>Town A's alerts and incidents, read and written as town B: nothing visible, nothing changed.</summary>
public sealed class CrossTenantTests : IDisposable
{
    private readonly DetectionHarness _h = new(Rules);
    private readonly TenantId _townA = TenantId.New();
    private readonly TenantId _townB = TenantId.New();
    private readonly DeviceId _deviceA = DeviceId.New();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Every_store_method_takes_a_scope_and_every_service_method_an_actor()
    {
        // "No unscoped queries": a new method without a scope (stores) or an actor (services) fails here.
        MethodInfo[] storeMethods = [.. typeof(IAlertStore).GetMethods(), .. typeof(IIncidentStore).GetMethods(), .. typeof(IRuleSettingsStore).GetMethods(), .. typeof(IRawEventReader).GetMethods()];
        foreach (MethodInfo method in storeMethods)
        {
            Assert.True(method.GetParameters().FirstOrDefault()?.ParameterType == typeof(TenantScope), $"{method.DeclaringType!.Name}.{method.Name} does not take a TenantScope first");
        }

        IEnumerable<MethodInfo> serviceMethods = typeof(IncidentService).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Concat(typeof(RuleSettingsService).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => m.Name is not (nameof(RuleSettingsService.GetProfileAsync) or nameof(RuleSettingsService.IsEnabledAsync) or nameof(RuleSettingsService.Invalidate))))
            .Where(m => !m.IsSpecialName);
        foreach (MethodInfo method in serviceMethods)
        {
            Assert.True(method.GetParameters().FirstOrDefault()?.ParameterType == typeof(Actor), $"{method.DeclaringType!.Name}.{method.Name} does not take an Actor first");
        }
    }

    [Fact]
    public async Task Town_B_sees_none_of_town_A_through_the_service()
    {
        Alert alert = await RaiseAsync(_h, _townA, _deviceA, SigmaLevel.High, T0, @"TOWNA\suzuki");
        Guid id = alert.IncidentId!.Value;
        var b = Actors.Admin(_townB);

        Assert.Null(await _h.Incidents.GetAsync(b, id));
        Assert.Null(await _h.Incidents.GetDetailAsync(b, id));
        Assert.Empty(await _h.Incidents.GetTimelineAsync(b, id));
        Assert.Null(await _h.Incidents.GetProcessTreeAsync(b, id));
        Assert.Empty((await _h.Incidents.ListAsync(b, new IncidentQuery(Limit: 100))).Items);
        Assert.Empty((await _h.Incidents.ListAsync(Actors.Viewer(_townB), new IncidentQuery(Device: _deviceA))).Items);

        // Changes as town B: "not found", and town A's incident is untouched.
        Assert.Null(await _h.Incidents.ChangeStatusAsync(b, id, IncidentStatus.Resolved));
        Assert.Null(await _h.Incidents.AssignAsync(b, id, "intruder"));
        Assert.Null(await _h.Incidents.AddCommentAsync(b, id, "hello from B"));
        IncidentDetail a = (await _h.Incidents.GetDetailAsync(Actors.Admin(_townA), id))!;
        Assert.Equal(IncidentStatus.New, a.Incident.Status);
        Assert.Null(a.Incident.Assignee);
        Assert.Empty(a.History.Comments);
        Assert.Single(a.History.Transitions);
        Assert.Single(a.Alerts);
    }

    [Fact]
    public async Task Town_B_scope_on_the_stores_reads_nothing_and_cannot_write()
    {
        Alert alert = await RaiseAsync(_h, _townA, _deviceA, SigmaLevel.High, T0, @"TOWNA\suzuki");
        Guid id = alert.IncidentId!.Value;
        Incident incident = (await _h.Store.GetAsync(TenantScope.For(_townA), id))!;
        TenantScope b = TenantScope.For(_townB);

        // Reads.
        Assert.Null(await _h.Store.GetAlertAsync(b, alert.Id));
        Assert.Empty(await _h.Store.ListAlertsAsync(b, new AlertQuery()));
        Assert.Empty(await _h.Store.ListAlertsAsync(b, new AlertQuery(IncidentId: id)));
        Assert.Null(await _h.Store.FindMergeableAsync(b, _deviceA, alert.RuleId, T0.AddHours(-1)));
        Assert.Null(await _h.Store.GetAsync(b, id));
        Assert.Null(await _h.Store.FindCorrelatedAsync(b, _townA, _deviceA, @"towna\suzuki", T0.AddHours(-1)));
        Assert.Empty((await _h.Store.ListAsync(b, new IncidentQuery())).Items);
        IncidentHistory history = await _h.Store.GetHistoryAsync(b, id);
        Assert.Empty(history.Transitions);

        // Writes.
        DateTimeOffset now = _h.Clock.GetUtcNow();
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _h.Store.ChangeStatusAsync(b, new IncidentTransition(id, "b", IncidentStatus.New, IncidentStatus.Resolved, now, null)));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _h.Store.AssignAsync(b, new IncidentAssignment(id, "b", null, "b", now, null)));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _h.Store.AddCommentAsync(b, new IncidentComment(Guid.NewGuid(), id, "b", "x", now)));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _h.Store.RecordDetectionAsync(b, [alert with { Count = 99 }], [], []));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _h.Store.RecordDetectionAsync(b, [], [], [incident with { Title = "hijacked" }]));

        // Relabelled as town B, the rows still belong to A: refused rather than moved.
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _h.Store.RecordDetectionAsync(b, [alert with { Tenant = _townB, Count = 99 }], [], []));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _h.Store.RecordDetectionAsync(b, [], [], [incident with { Tenant = _townB, Title = "hijacked" }]));

        Alert after = (await _h.Store.GetAlertAsync(TenantScope.For(_townA), alert.Id))!;
        Assert.Equal(1, after.Count);
        Assert.Equal(_townA, after.Tenant);
        Incident stillA = (await _h.Store.GetAsync(TenantScope.AllTenants, id))!;
        Assert.Equal(incident.Title, stillA.Title);
        Assert.Equal(IncidentStatus.New, stillA.Status);
        Assert.Equal(_townA, stillA.Tenant);
    }

    [Fact]
    public async Task Raw_events_of_town_A_are_not_readable_as_town_B()
    {
        var outcome = await _h.IngestAsync(_townA, _deviceA, 1, Events.Process(1, 0));
        long eventId = outcome.Stored[0].Id;

        Assert.Single(await _h.Store.GetEventsAsync(TenantScope.For(_townA), [eventId]));
        Assert.Empty(await _h.Store.GetEventsAsync(TenantScope.For(_townB), [eventId]));
    }

    [Fact]
    public async Task An_alert_of_town_B_never_joins_an_incident_of_town_A()
    {
        DeviceId shared = DeviceId.New();
        Alert a = await RaiseAsync(_h, _townA, shared, SigmaLevel.High, T0, @"CORP\same");
        Alert b = await RaiseAsync(_h, _townB, shared, SigmaLevel.High, T0.AddMinutes(1), @"CORP\same");
        Assert.NotEqual(a.IncidentId, b.IncidentId);
        Assert.Equal(_townB, (await _h.Store.GetAsync(TenantScope.For(_townB), b.IncidentId!.Value))!.Tenant);
    }
}
