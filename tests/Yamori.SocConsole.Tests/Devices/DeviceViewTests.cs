using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Localization;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Devices;

[Collection(SeededCloudCollection.Name)]
public sealed class DeviceViewTests(SeededCloud seeded)
{
    private DeviceListView List => seeded.Get<DeviceListView>();

    private DeviceDetailView Detail => seeded.Get<DeviceDetailView>();

    [Fact]
    public async Task A_town_user_lists_only_their_own_town_even_when_the_filter_names_another()
    {
        DeviceListing b = await List.ListAsync(seeded.TownBAdmin, new DeviceFilter());
        Assert.Equal(["b-pc-01"], Hosts(b));
        Assert.Equal([seeded.Cloud.TownB.Id], b.Towns.Select(t => t.Id));

        // A town id in the address only narrows the scope; it never opens another town.
        DeviceListing sneaky = await List.ListAsync(seeded.TownBAdmin, new DeviceFilter(Town: seeded.Cloud.TownA.Id));
        Assert.Empty(sneaky.Rows);

        DeviceListing a = await List.ListAsync(seeded.TownAViewer, new DeviceFilter());
        Assert.Equal(["a-pc-01", "A-PC-02", "a-srv-03"], Hosts(a));
    }

    [Fact]
    public async Task The_soc_sees_every_town_and_can_narrow_to_one()
    {
        DeviceListing all = await List.ListAsync(seeded.Soc, new DeviceFilter());
        Assert.Equal(["a-pc-01", "A-PC-02", "a-srv-03", "b-pc-01"], Hosts(all));
        Assert.Equal(2, all.Towns.Count);

        DeviceListing b = await List.ListAsync(seeded.Soc, new DeviceFilter(Town: seeded.Cloud.TownB.Id));
        Assert.Equal(["b-pc-01"], Hosts(b));
        Assert.Equal("札幌市", Assert.Single(b.Rows).Town?.Name);
    }

    [Fact]
    public async Task Filters_by_segment_kind_health_online_isolation_and_hostname()
    {
        Actor actor = seeded.Soc;
        Assert.Equal(["A-PC-02"], Hosts(await List.ListAsync(actor, new DeviceFilter(SegmentKind: SegmentKind.Internet))));
        Assert.Equal(["a-pc-01", "b-pc-01"], Hosts(await List.ListAsync(actor, new DeviceFilter(Health: DeviceHealth.Healthy))));
        Assert.Equal(["a-pc-01", "b-pc-01"], Hosts(await List.ListAsync(actor, new DeviceFilter(Online: OnlineFilter.Online))));

        // Never seen counts as offline, as on the dashboard.
        Assert.Equal(["A-PC-02", "a-srv-03"], Hosts(await List.ListAsync(actor, new DeviceFilter(Online: OnlineFilter.Offline))));
        Assert.Equal(["A-PC-02"], Hosts(await List.ListAsync(actor, new DeviceFilter(Isolation: IsolationState.Isolated))));
        Assert.Equal(["a-pc-01", "A-PC-02", "b-pc-01"], Hosts(await List.ListAsync(actor, new DeviceFilter(HostnameContains: " PC-0 "))));
        Assert.Equal(["A-PC-02"], Hosts(await List.ListAsync(actor, new DeviceFilter(HostnameContains: "pc", Isolation: IsolationState.Isolated, Town: seeded.Cloud.TownA.Id))));
    }

    [Fact]
    public async Task Sorts_by_last_seen_with_never_seen_last_when_newest_first()
    {
        DeviceListing newest = await List.ListAsync(seeded.Soc, new DeviceFilter(Sort: DeviceSort.LastSeen, Descending: true));
        Assert.Equal(["b-pc-01", "a-pc-01", "A-PC-02", "a-srv-03"], Hosts(newest));
        DeviceListing oldest = await List.ListAsync(seeded.Soc, new DeviceFilter(Sort: DeviceSort.LastSeen));
        Assert.Equal(["a-srv-03", "A-PC-02", "a-pc-01", "b-pc-01"], Hosts(oldest));
        DeviceListing byName = await List.ListAsync(seeded.Soc, new DeviceFilter(Descending: true));
        Assert.Equal(["b-pc-01", "a-srv-03", "A-PC-02", "a-pc-01"], Hosts(byName));
    }

    [Fact]
    public async Task Detail_shows_segment_report_incident_and_newest_events_first()
    {
        DeviceDetail? detail = await Detail.GetAsync(seeded.TownAViewer, seeded.APc01.Id);
        Assert.NotNull(detail);
        Assert.Equal("千代田区", detail.Town?.Name);
        Assert.Equal("10.1.0.0/16", Assert.Single(detail.Segment!.Cidrs).ToString());
        Assert.True(detail.Online);
        Assert.Equal(7UL, detail.Report?.DroppedTotal);
        Assert.Equal(seeded.IncidentA, Assert.Single(detail.Incidents).Id);

        // Newest first; the event three days old is inside the week's lookback too.
        List<DateTimeOffset> times = detail.Events.Rows.Select(r => r.Event.Time).ToList();
        Assert.Equal(6, times.Count);
        Assert.Equal(times.OrderByDescending(t => t), times);
        Assert.Equal(SeededCloud.CommaQuoteNewline, HuntingFields.Text(detail.Events.Rows[0].Event, "CommandLine"));
        Assert.Equal("notepad.exe old.txt", HuntingFields.Text(detail.Events.Rows[^1].Event, "CommandLine"));
    }

    [Fact]
    public async Task Detail_caps_recent_events_at_the_newest()
    {
        HuntResult two = await seeded.Get<HuntingView>().RecentAsync(seeded.Soc, seeded.APc01.Id, seeded.Now.AddDays(-7), seeded.Now.AddMinutes(1), 2);
        Assert.Equal(2, two.Rows.Count);
        Assert.True(two.Capped);
        Assert.Equal(@"C:\Tools\x.exe", HuntingFields.Text(two.Rows[0].Event, "Image"));
        Assert.Equal("file_event", HuntingFields.Kind(two.Rows[1].Event));
    }

    [Fact]
    public async Task Another_towns_device_reads_as_not_found_and_the_town_b_detail_has_nothing_of_a()
    {
        Assert.Null(await Detail.GetAsync(seeded.TownBAdmin, seeded.APc01.Id));
        Assert.Null(await Detail.GetAsync(seeded.TownBAdmin, new DeviceId(Guid.NewGuid())));
        Assert.NotNull(await Detail.GetAsync(seeded.Soc, seeded.APc01.Id));

        DeviceDetail? own = await Detail.GetAsync(seeded.TownBAdmin, seeded.BPc01.Id);
        Assert.NotNull(own);
        Assert.Null(own.Report);
        Assert.Empty(own.Incidents);
        Assert.All(own.Events.Rows, r => Assert.Equal(seeded.Cloud.TownB.Id, r.Stored.Tenant));
        Assert.Single(own.Events.Rows);
    }

    [Fact]
    public void Every_enum_the_device_pages_name_by_interpolation_has_words_in_both_languages()
    {
        foreach (UiText text in new[] { UiText.For("ja"), UiText.For("en") })
        {
            Assert.All(Enum.GetValues<DeviceHealth>(), v => Assert.True(text.Has($"Devices.Health.{v}"), $"{text.Language} Devices.Health.{v}"));
            Assert.All(Enum.GetValues<IsolationState>(), v => Assert.True(text.Has($"Devices.Isolation.{v}"), $"{text.Language} Devices.Isolation.{v}"));
            Assert.All(Enum.GetValues<SegmentKind>(), v => Assert.True(text.Has($"Devices.Segment.{v}"), $"{text.Language} Devices.Segment.{v}"));
            Assert.All(Enum.GetValues<Yamori.Cloud.Incidents.IncidentStatus>(), v => Assert.True(text.Has($"Devices.Status.{v}"), $"{text.Language} Devices.Status.{v}"));
            Assert.All(Enum.GetValues<HuntOperator>(), v => Assert.True(text.Has($"Hunting.Op.{v}"), $"{text.Language} Hunting.Op.{v}"));
            Assert.All(HuntError.Keys, k => Assert.True(text.Has(k), $"{text.Language} {k}"));
        }
    }

    private static List<string> Hosts(DeviceListing listing) => listing.Rows.Select(r => r.Device.Hostname).ToList();
}
