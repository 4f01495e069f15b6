using Bunit;
using Yamori.Cloud.Identity;
using Yamori.SocConsole.Components.Pages.Tenants;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Tenants;

/// <summary>The towns pages rendered for real signed-in users.</summary>
public sealed class TenantPagesTests : IAsyncLifetime
{
    private AdminCloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await AdminCloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task A_town_B_user_gets_not_found_for_town_A_and_sees_only_their_own_town()
    {
        await _cloud.Get<TenantsView>().AddContactAsync(_cloud.AdminA, _cloud.TownA.Id, "千代田の窓口", "a@chiyoda.example.lg.jp", null, null, Yamori.Cloud.Notifications.Severity.High);
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "sapporo-admin", Role.TownAdmin, _cloud.TownB.Id);

        IRenderedComponent<TownPage> other = pages.Render<TownPage>(p => p.Add(c => c.Id, _cloud.TownA.Id.Value));
        other.WaitForElement("[data-testid=not-found]");
        Assert.DoesNotContain("千代田", other.Markup, StringComparison.Ordinal);

        IRenderedComponent<TownPage> own = pages.Render<TownPage>(p => p.Add(c => c.Id, _cloud.TownB.Id.Value));
        Assert.Contains("札幌市", own.WaitForElement("[data-testid=town-title]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("千代田", own.Markup, StringComparison.Ordinal);

        IRenderedComponent<TenantsPage> list = pages.Render<TenantsPage>();
        list.WaitForElement("[data-testid=towns]");
        Assert.Equal(["札幌市"], list.FindAll("[data-testid=town-row]").Select(r => r.GetAttribute("data-town")));
        Assert.True(list.Find("[data-testid=town-create-submit]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task An_invalid_cidr_entered_on_the_page_shows_the_message_and_saves_nothing()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "chiyoda-admin", Role.TownAdmin, _cloud.TownA.Id);
        IRenderedComponent<TownPage> page = pages.Render<TownPage>(p => p.Add(c => c.Id, _cloud.TownA.Id.Value));
        page.WaitForElement("[data-testid=segment-form]");
        page.Find("#seg-name").Change("インターネット接続系");
        page.Find("#seg-cidrs").Change("192.168.0.0/24, 192.168.1.300/24");
        page.Find("[data-testid=segment-form]").Submit();

        string error = page.WaitForElement("[data-testid=segment-error]").TextContent;
        Assert.Contains("192.168.1.300/24", error, StringComparison.Ordinal);
        Assert.Contains("CIDR", error, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=segment-row]"));
        Assert.Single((await _cloud.Get<TenantsView>().GetTownAsync(_cloud.SocAdmin, _cloud.TownA.Id))!.Segments);
    }

    [Fact]
    public async Task The_token_secret_appears_once_after_creation_and_not_when_the_page_is_opened_again()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "chiyoda-admin", Role.TownAdmin, _cloud.TownA.Id);
        IRenderedComponent<TownPage> page = pages.Render<TownPage>(p => p.Add(c => c.Id, _cloud.TownA.Id.Value));
        page.WaitForElement("[data-testid=token-form]").Submit();

        string secret = page.WaitForElement("[data-testid=token-secret]").GetAttribute("value")!;
        Assert.StartsWith("ymt_", secret, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=token-row]")));

        IRenderedComponent<TownPage> again = pages.Render<TownPage>(p => p.Add(c => c.Id, _cloud.TownA.Id.Value));
        again.WaitForElement("[data-testid=token-row]");
        Assert.DoesNotContain(secret, again.Markup, StringComparison.Ordinal);
        Assert.Empty(again.FindAll("[data-testid=token-secret]"));
    }

    [Fact]
    public async Task A_town_viewer_sees_disabled_controls_with_the_reason_and_no_tokens()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "chiyoda-viewer", Role.TownViewer, _cloud.TownA.Id);
        IRenderedComponent<TownPage> page = pages.Render<TownPage>(p => p.Add(c => c.Id, _cloud.TownA.Id.Value));
        page.WaitForElement("[data-testid=segments]");

        var save = page.Find("[data-testid=segment-save]");
        Assert.True(save.HasAttribute("disabled"));
        Assert.Equal("SOC管理者・自治体管理者のみ変更できます。", save.GetAttribute("title"));
        Assert.Contains("SOC管理者・自治体管理者のみ変更できます。", page.Markup, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-testid=tokens-hidden]"));
        Assert.Empty(page.FindAll("[data-testid=token-form]"));
        Assert.True(page.Find("[data-testid=contact-add]").HasAttribute("disabled"));
    }
}
