using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using AngleSharp.Dom;
using Bunit;
using Yamori.Cloud.Identity;
using Yamori.SocConsole.Components.Pages.Devices;
using Yamori.SocConsole.Localization;

namespace Yamori.SocConsole.Tests.Devices;

/// <summary>The device pages rendered for a real town-B session: what a town user's browser would get.</summary>
[Collection(SeededCloudCollection.Name)]
public sealed class DevicePageTests(SeededCloud seeded)
{
    [Fact]
    public async Task The_list_shows_a_town_user_their_devices_and_a_disabled_town_filter_with_the_reason()
    {
        await using BunitContext ctx = await PageHarness.SignedInAsync(seeded, Role.TownViewer, seeded.Cloud.TownB.Id);
        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/devices?town={seeded.Cloud.TownA.Id}");
        IRenderedComponent<DeviceList> page = ctx.Render<DeviceList>(p => p.AddCascadingValue(UiText.For("ja")));

        page.WaitForElement("[data-testid=device-table]");
        IReadOnlyList<IElement> rows = page.FindAll("[data-testid=device-row]");
        Assert.Equal(["b-pc-01"], rows.Select(r => r.GetAttribute("data-hostname")));
        Assert.Equal($"/devices/{seeded.BPc01.Id}", rows[0].QuerySelector("a")!.GetAttribute("href"));

        IElement town = page.Find("#f-town");
        Assert.True(town.HasAttribute("disabled"));
        Assert.Equal(UiText.For("ja")["Devices.Filter.TownFixed"], town.GetAttribute("title"));
        Assert.Contains(UiText.For("ja")["Devices.Filter.TownFixed"], page.Markup, StringComparison.Ordinal);
        Assert.Contains("オンライン", rows[0].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_towns_device_shows_the_same_not_found_as_an_unknown_one()
    {
        await using BunitContext ctx = await PageHarness.SignedInAsync(seeded, Role.TownAdmin, seeded.Cloud.TownB.Id);
        IRenderedComponent<DeviceDetailPage> other = ctx.Render<DeviceDetailPage>(p => p
            .AddCascadingValue(UiText.For("ja"))
            .Add(x => x.Id, seeded.APc01.Id.Value));
        other.WaitForElement("[data-testid=not-found]");
        Assert.DoesNotContain("a-pc-01", other.Markup, StringComparison.Ordinal);

        IRenderedComponent<DeviceDetailPage> unknown = ctx.Render<DeviceDetailPage>(p => p
            .AddCascadingValue(UiText.For("ja"))
            .Add(x => x.Id, Guid.NewGuid()));
        unknown.WaitForElement("[data-testid=not-found]");
        Assert.Equal(other.Find("[data-testid=not-found]").OuterHtml, unknown.Find("[data-testid=not-found]").OuterHtml);
    }

    [Fact]
    public async Task The_detail_shows_facts_report_incident_link_and_events_to_its_own_town()
    {
        await using BunitContext ctx = await PageHarness.SignedInAsync(seeded, Role.TownViewer, seeded.Cloud.TownA.Id);
        IRenderedComponent<DeviceDetailPage> page = ctx.Render<DeviceDetailPage>(p => p
            .AddCascadingValue(UiText.For("en"))
            .Add(x => x.Id, seeded.APc01.Id.Value));

        page.WaitForElement("[data-testid=device-events]");
        Assert.Equal("a-pc-01", page.Find("[data-testid=device-hostname]").TextContent);
        Assert.Contains("10.1.0.0/16", page.Find("[data-testid=device-facts]").TextContent, StringComparison.Ordinal);
        Assert.Contains("総務課", page.Find("[data-testid=device-facts]").TextContent, StringComparison.Ordinal);
        Assert.Equal("7", page.Find("[data-testid=agent-dropped]").TextContent.Trim());
        Assert.Contains("spool_full", page.Find("[data-testid=agent-drops]").TextContent, StringComparison.Ordinal);
        Assert.Equal($"/incidents/{seeded.IncidentA}", page.Find("[data-testid=device-incident-row] a").GetAttribute("href"));
        Assert.Equal(6, page.FindAll("[data-testid=device-event-row]").Count);
        Assert.Contains("203.0.113.5", page.Find("[data-testid=device-events]").TextContent, StringComparison.Ordinal);
    }
}
