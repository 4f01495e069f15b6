using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Cloud.Tests.Detection;
using Yamori.Sigma.Rules;
using static Yamori.Cloud.Tests.Incidents.IncidentFixtures;

namespace Yamori.Cloud.Tests.Incidents;

/// <summary>The incident queue: filters and keyset pagination.</summary>
public sealed class IncidentListTests : IDisposable
{
    private readonly DetectionHarness _h = new(Rules);
    private readonly TenantId _townA = TenantId.New();
    private readonly TenantId _townB = TenantId.New();

    public void Dispose() => _h.Dispose();

    private async Task<List<Incident>> SeedAsync()
    {
        SigmaLevel[] levels = [SigmaLevel.Low, SigmaLevel.Critical, SigmaLevel.Medium, SigmaLevel.High, SigmaLevel.Medium, SigmaLevel.Low, SigmaLevel.High];
        var incidents = new List<Incident>();
        for (int i = 0; i < levels.Length; i++)
        {
            // Separate devices, an hour apart: separate incidents. Created one minute apart on the cloud clock.
            _h.Clock.Advance(TimeSpan.FromMinutes(1));
            incidents.Add(await OpenAsync(_h, _townA, DeviceId.New(), levels[i], T0.AddHours(i)));
        }

        await OpenAsync(_h, _townB, DeviceId.New(), SigmaLevel.Critical, T0);
        return incidents;
    }

    private async Task<List<Incident>> AllPagesAsync(Yamori.Cloud.Identity.Actor actor, IncidentQuery query)
    {
        var all = new List<Incident>();
        string? cursor = null;
        int pages = 0;
        do
        {
            IncidentPage page = await _h.Incidents.ListAsync(actor, query with { Cursor = cursor });
            Assert.True(page.Items.Count <= query.Limit);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
            Assert.True(++pages < 50, "pagination does not end");
        }
        while (cursor is not null);
        return all;
    }

    [Fact]
    public async Task Pages_by_last_activity_cover_every_incident_once_in_order()
    {
        List<Incident> seeded = await SeedAsync();

        List<Incident> listed = await AllPagesAsync(Actors.Admin(_townA), new IncidentQuery(Limit: 2));

        Assert.Equal(seeded.OrderByDescending(i => i.LastActivity).Select(i => i.Id), listed.Select(i => i.Id));
    }

    [Fact]
    public async Task Pages_by_severity_put_the_worst_first()
    {
        List<Incident> seeded = await SeedAsync();

        List<Incident> listed = await AllPagesAsync(Actors.Admin(_townA), new IncidentQuery(Sort: IncidentSort.Severity, Limit: 3));

        Assert.Equal(seeded.OrderByDescending(i => i.Severity).ThenByDescending(i => i.LastActivity).Select(i => i.Id), listed.Select(i => i.Id));
    }

    [Fact]
    public async Task Open_incidents_are_counted_per_town_and_severity_within_the_scope()
    {
        List<Incident> seeded = await SeedAsync();
        var admin = Actors.Admin(_townA);
        await _h.Incidents.ChangeStatusAsync(admin, seeded[1].Id, IncidentStatus.Resolved);
        await _h.Incidents.ChangeStatusAsync(admin, seeded[0].Id, IncidentStatus.Investigating);

        // Town A: Low ×2 (one investigating, still open), Medium ×2, High ×2; its Critical is resolved.
        var a = (await _h.Incidents.CountOpenAsync(admin)).ToDictionary(c => (c.Tenant, c.Severity), c => c.Count);
        Assert.Equal(new Dictionary<(TenantId, SigmaLevel), int>
        {
            [(_townA, SigmaLevel.Low)] = 2,
            [(_townA, SigmaLevel.Medium)] = 2,
            [(_townA, SigmaLevel.High)] = 2,
        }, a);

        IReadOnlyList<OpenIncidentCount> b = await _h.Incidents.CountOpenAsync(Actors.Admin(_townB));
        Assert.Equal([new OpenIncidentCount(_townB, SigmaLevel.Critical, 1)], b);
        Assert.Equal(7, (await _h.Incidents.CountOpenAsync(Actors.Soc)).Sum(c => c.Count));
    }

    [Fact]
    public async Task Filters_narrow_the_list()
    {
        List<Incident> seeded = await SeedAsync();
        var admin = Actors.Admin(_townA);
        await _h.Incidents.ChangeStatusAsync(admin, seeded[1].Id, IncidentStatus.Investigating);
        await _h.Incidents.AssignAsync(admin, seeded[1].Id, "analyst-7");

        Assert.Equal([seeded[1].Id], (await _h.Incidents.ListAsync(admin, new IncidentQuery(Statuses: [IncidentStatus.Investigating]))).Items.Select(i => i.Id));
        Assert.Equal([seeded[1].Id], (await _h.Incidents.ListAsync(admin, new IncidentQuery(Assignee: "analyst-7"))).Items.Select(i => i.Id));
        Assert.Equal(3, (await _h.Incidents.ListAsync(admin, new IncidentQuery(MinSeverity: SigmaLevel.High))).Items.Count);
        Assert.Equal([seeded[4].Id], (await _h.Incidents.ListAsync(admin, new IncidentQuery(Device: seeded[4].Devices[0]))).Items.Select(i => i.Id));
        IncidentPage created = await _h.Incidents.ListAsync(admin, new IncidentQuery(CreatedFrom: seeded[2].CreatedAt, CreatedTo: seeded[4].CreatedAt));
        Assert.Equal([seeded[3].Id, seeded[2].Id], created.Items.Select(i => i.Id));

        // The SOC sees both towns and may narrow to one; town B's own list holds only its incident.
        Assert.Equal(8, (await _h.Incidents.ListAsync(Actors.Soc, new IncidentQuery(Limit: 100))).Items.Count);
        Assert.Equal(7, (await _h.Incidents.ListAsync(Actors.Soc, new IncidentQuery(Tenant: _townA, Limit: 100))).Items.Count);
        Assert.All((await _h.Incidents.ListAsync(Actors.Admin(_townB), new IncidentQuery())).Items, i => Assert.Equal(_townB, i.Tenant));
        Assert.Empty((await _h.Incidents.ListAsync(Actors.Admin(_townB), new IncidentQuery(Tenant: _townA))).Items);
    }

    [Fact]
    public async Task A_foreign_cursor_is_refused()
    {
        await SeedAsync();
        await Assert.ThrowsAsync<ArgumentException>(async () => await _h.Incidents.ListAsync(Actors.Soc, new IncidentQuery(Cursor: "not-a-cursor")));
        IncidentPage page = await _h.Incidents.ListAsync(Actors.Soc, new IncidentQuery(Limit: 1));
        await Assert.ThrowsAsync<ArgumentException>(async () => await _h.Incidents.ListAsync(Actors.Soc, new IncidentQuery(Sort: IncidentSort.Severity, Cursor: page.NextCursor)));
    }
}
