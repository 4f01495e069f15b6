using Bunit;
using Yamori.Cloud.Audit;
using Yamori.SocConsole.Components.Pages.Audit;
using Yamori.SocConsole.Localization;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Audit;

/// <summary>The audit screen's chain status and diff, rendered.</summary>
public sealed class AuditComponentTests : IDisposable
{
    private readonly BunitContext _context = new();

    public void Dispose() => _context.Dispose();

    [Fact]
    public void The_chain_status_names_the_first_broken_entry_or_the_verified_count()
    {
        UiText ja = UiText.For("ja");
        IRenderedComponent<ChainStatus> broken = _context.Render<ChainStatus>(p => p
            .AddCascadingValue(ja)
            .Add(c => c.Verification, AuditVerification.Broken(6, 7, AuditChainFault.HashMismatch, "entry 7 does not match its stored hash: its content was changed")));
        var status = broken.Find("[data-testid=chain-status]");
        Assert.Equal("broken", status.GetAttribute("data-state"));
        Assert.Equal("alert", status.GetAttribute("role"));
        Assert.Contains(ja.Format("Audit.ChainBroken", 7, 6), status.TextContent, StringComparison.Ordinal);
        Assert.Contains(ja["Audit.Fault.HashMismatch"], status.TextContent, StringComparison.Ordinal);

        IRenderedComponent<ChainStatus> valid = _context.Render<ChainStatus>(p => p
            .AddCascadingValue(UiText.For("en"))
            .Add(c => c.Verification, AuditVerification.Valid(42, new string('a', 64))));
        Assert.Contains("42 entries checked", valid.Find("[data-testid=chain-status]").TextContent, StringComparison.Ordinal);

        IRenderedComponent<ChainStatus> town = _context.Render<ChainStatus>(p => p.AddCascadingValue(ja).Add(c => c.Verification, null));
        Assert.Equal("unavailable", town.Find("[data-testid=chain-status]").GetAttribute("data-state"));
    }

    [Fact]
    public void The_diff_is_collapsed_and_marks_changed_fields_before_unchanged_ones()
    {
        IRenderedComponent<AuditDiffView> diff = _context.Render<AuditDiffView>(p => p
            .AddCascadingValue(UiText.For("en"))
            .Add(c => c.Before, """{"state":0,"rule":"x"}""")
            .Add(c => c.After, """{"state":2,"rule":"x"}"""));
        Assert.Contains("1 fields changed", diff.Find("details > summary").TextContent, StringComparison.Ordinal);
        Assert.Null(diff.Find("details").GetAttribute("open"));
        Assert.Equal(["changed", "same"], diff.FindAll("[data-testid=diff-line]").Select(r => r.GetAttribute("data-change")));
    }

    [Fact]
    public void Every_resource_key_the_admin_screens_compute_exists_in_both_languages()
    {
        string[] computed =
        [
            .. TenantText.AllKeys,
            .. Enum.GetValues<AuditChainFault>().Select(f => ChainStatus.FaultKey(f)),
            .. Enum.GetValues<AuditOutcome>().Select(AuditLogPage.OutcomeKey),
            "Tenants.Error.Cidr", "Tenants.Error.Code", "Tenants.Error.Kind", "Tenants.Error.NameRequired", "Tenants.Error.Retention",
            "Tenants.Error.Uses", "Tenants.Error.Lifetime", "Tenants.Error.Segment", "Tenants.Error.Url", "Tenants.Error.OtherTown",
        ];
        foreach (string language in new[] { "ja", "en" })
        {
            UiText text = UiText.For(language);
            Assert.All(computed, key => Assert.True(text.Has(key), $"{language}: {key}"));
        }

        // Every key thrown by the views is in the list above.
        string views = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Yamori.SocConsole/Views/TenantsView.cs"));
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(views, "\"(Tenants\\.Error\\.[A-Za-z]+)\""))
        {
            Assert.Contains(m.Groups[1].Value, computed);
        }
    }
}
