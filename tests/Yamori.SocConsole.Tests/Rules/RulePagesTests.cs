using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.SocConsole.Components.Pages.Rules;
using Yamori.SocConsole.Tests.Tenants;

namespace Yamori.SocConsole.Tests.Rules;

/// <summary>The rules pages rendered for real signed-in users.</summary>
public sealed class RulePagesTests : IAsyncLifetime
{
    private AdminCloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await AdminCloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task A_soc_admin_picks_town_B_and_disables_a_rule_there_only()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "prefecture-admin", Role.SocAdmin, null);
        IRenderedComponent<RulesPage> page = pages.Render<RulesPage>();
        page.WaitForElement("[data-testid=town-select]").Change(_cloud.TownB.Id.Value.ToString());
        page.WaitForAssertion(() => Assert.Equal("pack-a", page.Find("[data-testid=pack-row] th").TextContent));

        page.Find($"[data-rule='{AdminCloud.CertutilId}'] [data-testid=rule-disable]").Click();
        page.WaitForAssertion(() => Assert.Equal("false", page.Find($"[data-rule='{AdminCloud.CertutilId}'] [data-testid=rule-state]").GetAttribute("data-enabled")));
        Assert.True(page.Find($"[data-rule='{AdminCloud.CertutilId}'] [data-testid=rule-disable]").HasAttribute("disabled"));

        RuleSettingsService settings = _cloud.Get<RuleSettingsService>();
        Assert.False(await settings.IsEnabledAsync(_cloud.TownB.Id, AdminCloud.CertutilId));
        Assert.True(await settings.IsEnabledAsync(_cloud.TownA.Id, AdminCloud.CertutilId));
    }

    [Fact]
    public async Task A_town_viewer_sees_the_rules_with_disabled_controls_and_the_reason()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "chiyoda-viewer", Role.TownViewer, _cloud.TownA.Id);
        IRenderedComponent<RulesPage> page = pages.Render<RulesPage>(language: "en");
        page.WaitForElement("[data-testid=rules]");

        Assert.Contains("千代田区", page.Find("[data-testid=town-name]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=town-select]"));
        string reason = "Town viewer may not change rule settings (SOC admin and town admin only).";
        Assert.Equal(reason, page.Find("[data-testid=rules-readonly]").TextContent);
        Assert.All(page.FindAll("[data-testid=rule-disable]"), b => Assert.Equal((true, reason), (b.HasAttribute("disabled"), b.GetAttribute("title"))));
        Assert.True(page.Find("[data-testid=filter-add]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task An_invalid_exception_typed_on_the_page_shows_the_validators_message_and_keeps_the_text()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "chiyoda-admin", Role.TownAdmin, _cloud.TownA.Id);
        IRenderedComponent<RulesPage> page = pages.Render<RulesPage>();
        const string yaml = "title: x\nid: 0d9e3c1a-5b7f-4c2e-8a61-3f2b1c0d0e09\nlogsource:\n    product: windows\nfilter:\n    rules:\n        - not-loaded\n    selection:\n        User: x\n    condition: selection\n";
        page.WaitForElement("[data-testid=filter-yaml]").Change(yaml);
        page.Find("[data-testid=filter-add]").Click();

        string error = page.WaitForElement("[data-testid=filter-error]").TextContent;
        Assert.Contains("not-loaded", error, StringComparison.Ordinal);
        Assert.Contains("filter.rules", error, StringComparison.Ordinal);
        Assert.Equal(yaml, page.Find("[data-testid=filter-yaml]").GetAttribute("value"));
        Assert.Empty(page.FindAll("[data-testid=filter-row]"));
        Assert.Empty((await _cloud.Get<RuleSettingsService>().GetSettingsAsync(_cloud.SocAdmin, _cloud.TownA.Id)).Filters);
    }

    [Fact]
    public async Task The_rule_detail_page_shows_the_yaml_and_another_towns_id_in_the_address_is_not_found()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "sapporo-admin", Role.TownAdmin, _cloud.TownB.Id);
        IRenderedComponent<RuleDetailPage> page = pages.Render<RuleDetailPage>(p => p.Add(c => c.RuleId, AdminCloud.WhoamiId));
        Assert.Contains(@"Image|endswith: '\whoami.exe'", page.WaitForElement("[data-testid=rule-yaml]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-testid=rule-no-hits]"));

        pages.Context.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>()
            .NavigateTo($"/rules/{AdminCloud.WhoamiId}?town={_cloud.TownA.Id}");
        IRenderedComponent<RuleDetailPage> other = pages.Render<RuleDetailPage>(p => p.Add(c => c.RuleId, AdminCloud.WhoamiId));
        other.WaitForElement("[data-testid=not-found]");
    }
}
