using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Bunit;
using Yamori.Cloud.Identity;
using Yamori.SocConsole.Components.Pages.Hunting;
using Yamori.SocConsole.Localization;
using Yamori.SocConsole.Tests.Devices;

namespace Yamori.SocConsole.Tests.Hunting;

/// <summary>The hunting page for a real town-B session: its form, its guards and its error paths.</summary>
[Collection(SeededCloudCollection.Name)]
public sealed class HuntPageTests(SeededCloud seeded)
{
    [Fact]
    public async Task A_town_user_hunts_their_own_town_and_a_device_of_another_town_in_the_address_is_dropped()
    {
        await using BunitContext ctx = await PageHarness.SignedInAsync(seeded, Role.TownViewer, seeded.Cloud.TownB.Id);
        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/hunting?town={seeded.Cloud.TownA.Id}&device={seeded.APc01.Id}");
        IRenderedComponent<Hunt> page = ctx.Render<Hunt>(p => p.AddCascadingValue(UiText.For("ja")));

        page.WaitForElement("[data-testid=hunt-form]");
        Assert.True(page.Find("#h-town").HasAttribute("disabled"));
        Assert.DoesNotContain("a-pc-01", page.Find("#h-device").TextContent, StringComparison.Ordinal);

        page.Find("#h-f1").Change("image");
        page.Find("#h-op1").Change("EndsWith");
        page.Find("#h-v1").Change("POWERSHELL.EXE");
        string export = page.Find("[data-testid=hunt-export]").GetAttribute("href")!;
        Assert.StartsWith("/hunting/export.csv?", export, StringComparison.Ordinal);
        Assert.Contains("f1=image&op1=EndsWith&v1=POWERSHELL.EXE", export, StringComparison.Ordinal);
        Assert.DoesNotContain("town=", export, StringComparison.Ordinal);
        Assert.DoesNotContain("device=", export, StringComparison.Ordinal);

        page.Find("[data-testid=hunt-run]").Click();
        page.WaitForElement("[data-testid=hunt-table]");
        Assert.Equal(["b-pc-01"], page.FindAll("[data-testid=hunt-row] th a").Select(a => a.TextContent));
    }

    [Fact]
    public async Task Bad_input_and_a_broken_sigma_rule_show_messages_not_an_error_page()
    {
        await using BunitContext ctx = await PageHarness.SignedInAsync(seeded, Role.TownAdmin, seeded.Cloud.TownB.Id);
        UiText ja = UiText.For("ja");
        IRenderedComponent<Hunt> page = ctx.Render<Hunt>(p => p.AddCascadingValue(ja));
        page.WaitForElement("[data-testid=hunt-form]");

        page.Find("#h-to").Change("2000-01-01T00:00");
        page.Find("[data-testid=hunt-run]").Click();
        Assert.Equal(ja["Hunting.Error.EmptyRange"], page.Find("[data-testid=hunt-error]").TextContent);

        page.Find("#h-to").Change(HuntTime(DateTimeOffset.UtcNow.AddMinutes(5)));
        page.Find("[data-testid=hunt-sigma-run]").Click();
        Assert.Contains(ja["Hunting.SigmaEmpty"], page.Markup, StringComparison.Ordinal);

        page.Find("#h-sigma").Change("title: x\nlogsource:\n  category: process_creation\ndetection:\n  selection:\n    Image: 'open\n  condition: selection\n");
        page.Find("[data-testid=hunt-sigma-run]").Click();
        string errors = page.Find("[data-testid=hunt-sigma-errors]").TextContent;
        Assert.Contains(ja["Hunting.SigmaErrors"], errors, StringComparison.Ordinal);
        Assert.Contains("行目", errors, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=hunt-table]"));
    }

    private static string HuntTime(DateTimeOffset t) => Yamori.SocConsole.Views.HuntingForm.Local(t);
}
