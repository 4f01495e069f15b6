using Yamori.Cloud.Audit;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Notifications;
using Yamori.SocConsole.Tests.Tenants;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Audit;

/// <summary>The audit screen's view against a real cloud's hash-chained log.</summary>
public sealed class AuditViewTests : IAsyncLifetime
{
    private AdminCloud _cloud = null!;

    private AuditView View => _cloud.Get<AuditView>();

    public async Task InitializeAsync()
    {
        _cloud = await AdminCloud.StartAsync();

        // Town A's changes, town B's change, one SOC-wide entry and one refusal.
        RulesView rules = _cloud.Get<RulesView>();
        TenantsView tenants = _cloud.Get<TenantsView>();
        await rules.SetStateAsync(_cloud.AdminA, _cloud.TownA.Id, AdminCloud.CertutilId, RuleState.Disabled);
        await tenants.AddContactAsync(_cloud.AdminA, _cloud.TownA.Id, "A課", "a@chiyoda.example.lg.jp", null, null, Severity.High);
        await rules.SetStateAsync(_cloud.AdminB, _cloud.TownB.Id, AdminCloud.WhoamiId, RuleState.Disabled);
        await _cloud.Get<TenantUsersView>().CreateAsync(_cloud.SocAdmin, "analyst9", "分析担当", Role.SocAnalyst, null);
        await Assert.ThrowsAsync<AccessDeniedException>(() => rules.SetStateAsync(_cloud.ViewerA, _cloud.TownA.Id, AdminCloud.CertutilId, RuleState.Enabled));
    }

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Each_town_sees_only_its_own_records_and_the_soc_sees_all_newest_first()
    {
        AuditResult a = await View.SearchAsync(_cloud.AdminA, new AuditSearch());
        Assert.Equal(["api.refused", "contact.create", "rule.state"], a.Entries.Select(e => e.Record.Action));
        Assert.All(a.Entries, e => Assert.Equal(_cloud.TownA.Id, e.Record.Tenant));

        AuditResult b = await View.SearchAsync(_cloud.AdminB, new AuditSearch());
        AuditEntry onlyB = Assert.Single(b.Entries);
        Assert.Equal(("rule.state", _cloud.TownB.Id), (onlyB.Record.Action, onlyB.Record.Tenant!.Value));
        Assert.Equal([_cloud.TownB.Id], b.Towns.Keys);

        // Asking for A's records as B yields nothing, not A's.
        Assert.Empty((await View.SearchAsync(_cloud.AdminB, new AuditSearch(Tenant: _cloud.TownA.Id))).Entries);

        AuditResult soc = await View.SearchAsync(_cloud.SocAnalyst, new AuditSearch());
        Assert.Equal(5, soc.Total);
        Assert.Contains(soc.Entries, e => e.Record.Tenant is null && e.Record.Action == "user.create");
        Assert.Equal(soc.Entries.Select(e => e.Sequence).OrderDescending(), soc.Entries.Select(e => e.Sequence));
        Assert.Equal(3, (await View.SearchAsync(_cloud.SocAnalyst, new AuditSearch(Tenant: _cloud.TownA.Id))).Total);
    }

    [Fact]
    public async Task Filters_by_actor_action_outcome_and_time_and_pages_from_the_newest()
    {
        Assert.Equal(["rule.state", "rule.state"], (await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(Action: "rule"))).Entries.Select(e => e.Record.Action));
        Assert.Equal("admin-b", Assert.Single((await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(Actor: "ADMIN-B"))).Entries).Record.ActorName);
        AuditEntry refused = Assert.Single((await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(Outcome: AuditOutcome.Denied))).Entries);
        Assert.Equal(("viewer-a", "192.0.2.12"), (refused.Record.ActorName, refused.Record.RemoteAddress));
        Assert.Empty((await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(To: DateTimeOffset.UtcNow.AddHours(-1)))).Entries);
        Assert.Equal(5, (await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(From: DateTimeOffset.UtcNow.AddHours(-1)))).Total);

        IReadOnlyList<AuditEntry> all = (await View.SearchAsync(_cloud.SocAdmin, new AuditSearch())).Entries;
        // Keyset pages from the newest: each page continues below the last sequence of the one before.
        AuditResult first = await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(PageSize: 2));
        AuditResult second = await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(Page: 1, PageSize: 2, Before: first.NextBefore));
        AuditResult last = await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(Page: 2, PageSize: 2, Before: second.NextBefore));
        Assert.Equal(3, first.Pages);
        Assert.Equal(all.Take(2).Select(e => e.Sequence), first.Entries.Select(e => e.Sequence));
        Assert.Equal(all.Skip(2).Take(2).Select(e => e.Sequence), second.Entries.Select(e => e.Sequence));
        Assert.Equal(all[4].Sequence, Assert.Single(last.Entries).Sequence);
        Assert.Null(last.NextBefore);
        Assert.Equal(5, last.Total);
    }

    [Fact]
    public async Task The_chain_is_reported_verified_to_soc_roles_and_withheld_from_town_roles_as_the_api_does()
    {
        AuditVerification verified = (await View.VerifyAsync(_cloud.SocAnalyst))!.Result;
        Assert.True(verified.IsValid);
        Assert.Equal((await _cloud.AuditAsync()).Count, verified.Count);
        Assert.Equal(await _cloud.Get<IAuditLog>().VerifyAsync(), verified);
        Assert.Null(await View.VerifyAsync(_cloud.AdminA));
        Assert.Null(await View.VerifyAsync(_cloud.ViewerA));
    }

    [Fact]
    public async Task A_record_changed_in_the_database_is_reported_as_the_first_broken_entry()
    {
        AuditEntry target = (await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(Actor: "admin-b"))).Entries.Single();
        Assert.True((await View.VerifyAsync(_cloud.SocAdmin))!.Result.IsValid);
        _cloud.TamperAuditRow(target.Sequence, "someone-else");

        // A recent verification is reused: the change shows once a fresh one is asked for.
        ChainCheck before = (await View.VerifyAsync(_cloud.SocAdmin))!;
        Assert.Same(before, await View.VerifyAsync(_cloud.SocAnalyst));
        AuditVerification broken = (await View.VerifyAsync(_cloud.SocAdmin, fresh: true))!.Result;
        Assert.False(broken.IsValid);
        Assert.Equal(target.Sequence, broken.BrokenAt);
        Assert.Equal(AuditChainFault.HashMismatch, broken.Fault);
        Assert.Equal(target.Sequence - 1, broken.Count);

        // The screen shows the changed row as stored; the status above it is what tells.
        Assert.Equal("someone-else", (await View.SearchAsync(_cloud.SocAdmin, new AuditSearch(Actor: "someone"))).Entries.Single().Record.ActorName);
    }
}
