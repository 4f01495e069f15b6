using Bunit;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.SocConsole.Components.Pages.Audit;
using Yamori.SocConsole.Tests.Tenants;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Audit;

/// <summary>The audit page rendered for real signed-in users.</summary>
public sealed class AuditPageTests : IAsyncLifetime
{
    private AdminCloud _cloud = null!;

    public async Task InitializeAsync()
    {
        _cloud = await AdminCloud.StartAsync();
        await _cloud.Get<RulesView>().SetStateAsync(_cloud.AdminA, _cloud.TownA.Id, AdminCloud.CertutilId, RuleState.Disabled);
        await _cloud.Get<RulesView>().SetStateAsync(_cloud.AdminB, _cloud.TownB.Id, AdminCloud.WhoamiId, RuleState.Disabled);
    }

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task A_soc_user_sees_the_verified_chain_then_the_broken_entry_after_tampering()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "prefecture-analyst", Role.SocAnalyst, null);
        IRenderedComponent<AuditLogPage> page = pages.Render<AuditLogPage>();
        Assert.Equal("valid", page.WaitForElement("[data-testid=chain-status]").GetAttribute("data-state"));
        Assert.Contains(page.FindAll("[data-testid=audit-row]"), r => r.GetAttribute("data-action") == "rule.state");

        long sequence = long.Parse(page.FindAll("[data-testid=audit-row]").Last(r => r.GetAttribute("data-action") == "rule.state").GetAttribute("data-sequence")!, System.Globalization.CultureInfo.InvariantCulture);
        _cloud.TamperAuditRow(sequence, "forged");
        IRenderedComponent<AuditLogPage> again = pages.Render<AuditLogPage>();
        again.WaitForElement("[data-testid=chain-verify]").Click();
        again.WaitForAssertion(() => Assert.Equal("broken", again.Find("[data-testid=chain-status]").GetAttribute("data-state")));
        var status = again.Find("[data-testid=chain-status]");
        Assert.Equal("broken", status.GetAttribute("data-state"));
        Assert.Contains($"#{sequence}", status.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_town_user_sees_only_their_towns_records_and_why_the_chain_status_is_not_shown()
    {
        using SignedInPages pages = await SignedInPages.AsAsync(_cloud, "sapporo-viewer", Role.TownViewer, _cloud.TownB.Id);
        IRenderedComponent<AuditLogPage> page = pages.Render<AuditLogPage>();
        Assert.Equal("unavailable", page.WaitForElement("[data-testid=chain-status]").GetAttribute("data-state"));
        Assert.NotNull(page.Find("[data-testid=audit-scope]"));

        // Town B's own rule change; none of town A's records (its actor and its rule id never appear).
        var rows = page.FindAll("[data-testid=audit-row]");
        Assert.Contains(rows, r => r.GetAttribute("data-action") == "rule.state");
        Assert.DoesNotContain("admin-a", page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminCloud.CertutilId, page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("#a-town"));
    }
}
