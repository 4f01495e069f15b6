using Yamori.Cloud.Response;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Response;

/// <summary>Every read and write of a town's commands, tried from another town.</summary>
public sealed class ResponseIsolationTests : IDisposable
{
    private readonly ResponseFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Another_town_cannot_see_request_or_touch_a_towns_commands()
    {
        ResponseCommand command = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Release(), Guid.NewGuid())).After;

        Assert.Null(await _f.Service.GetAsync(_f.ScopeB, command.Id));
        Assert.Empty((await _f.Service.ListAsync(_f.ScopeB, new CommandQuery())).Items);
        Assert.Empty((await _f.Service.ListAsync(_f.ScopeB, new CommandQuery(Device: _f.DeviceA1))).Items);
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => _f.Service.RequestAsync(_f.AdminB, _f.DeviceA1, ResponseAction.Query("processes")));
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => _f.Service.CancelAsync(_f.AdminB, command.Id));
        Assert.Empty(await _f.Service.TakeDeliverableAsync(_f.ScopeB, _f.DeviceA1, _f.Now));
        Assert.False(await _f.Store.TryUpdateAsync(_f.ScopeB, command with { State = CommandState.Cancelled, Version = command.Version + 1 }));
        Assert.Empty(await _f.Store.ListExpiredOpenAsync(_f.ScopeB, _f.Now.AddDays(2), 10));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Store.InsertAsync(_f.ScopeB, command with { Id = Guid.NewGuid() }));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Store.SetSettingsAsync(_f.ScopeB, new ResponseTenantSettings(_f.TownA, true), _f.Now));

        ResponseCommand unchanged = (await _f.Service.GetAsync(_f.ScopeA, command.Id))!;
        Assert.Equal(command, unchanged);
        Assert.Single((await _f.Service.ListAsync(TenantScope.AllTenants, new CommandQuery())).Items);
    }

    [Fact]
    public async Task Listing_filters_by_device_incident_and_state_and_pages_newest_first()
    {
        var incident = Guid.NewGuid();
        var ids = new List<Guid>();
        for (int i = 0; i < 5; i++)
        {
            DeviceId device = i % 2 == 0 ? _f.DeviceA1 : _f.DeviceA2;
            ids.Add((await _f.Service.RequestAsync(_f.Analyst, device, ResponseAction.Query("processes"), i < 3 ? incident : null)).After.Id);
            _f.Clock.Advance(TimeSpan.FromSeconds(i % 2)); // two pairs share a timestamp: the id breaks the tie
        }

        await _f.Service.RequestAsync(_f.Analyst, _f.DeviceB1, ResponseAction.Query("processes"), incident);
        await _f.Service.CancelAsync(_f.Analyst, ids[4]);

        var seen = new List<ResponseCommand>();
        string? cursor = null;
        int pages = 0;
        do
        {
            CommandPage page = await _f.Service.ListAsync(_f.ScopeA, new CommandQuery(Limit: 2, Cursor: cursor));
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Count);
        Assert.Equal(ids.ToHashSet(), seen.Select(c => c.Id).ToHashSet());
        Assert.Equal(seen.Select(c => c.RequestedAt).OrderDescending(), seen.Select(c => c.RequestedAt));
        Assert.Equal(ids[4], seen[0].Id);
        Assert.Equal(new[] { ids[0], ids[1] }.ToHashSet(), seen[^2..].Select(c => c.Id).ToHashSet());

        Assert.Equal(3, (await _f.Service.ListAsync(_f.ScopeA, new CommandQuery(Device: _f.DeviceA1))).Items.Count);
        Assert.Equal(3, (await _f.Service.ListAsync(_f.ScopeA, new CommandQuery(IncidentId: incident))).Items.Count);
        Assert.Equal(4, (await _f.Service.ListAsync(TenantScope.AllTenants, new CommandQuery(IncidentId: incident))).Items.Count);
        Assert.Equal([ids[4]], (await _f.Service.ListAsync(_f.ScopeA, new CommandQuery(State: CommandState.Cancelled))).Items.Select(c => c.Id));
        await Assert.ThrowsAsync<ArgumentException>(() => _f.Service.ListAsync(_f.ScopeA, new CommandQuery(Cursor: "garbage")));
    }
}
