using System.Text.Json;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;
using Yamori.SocConsole.Tests.Tenants;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Rules;

/// <summary>The rules screen's view against a real cloud with two towns and two rule packs.</summary>
public sealed class RulesViewTests : IAsyncLifetime
{
    private AdminCloud _cloud = null!;

    private RulesView View => _cloud.Get<RulesView>();

    private static string Filter(string rule) => $"""
        title: Town A's own certutil use
        id: 0d9e3c1a-5b7f-4c2e-8a61-3f2b1c0d0e01
        logsource:
            category: process_creation
            product: windows
        filter:
            rules:
                - {rule}
            selection:
                CommandLine|contains: 'intranet.example.lg.jp'
            condition: selection
        """;

    public async Task InitializeAsync() => _cloud = await AdminCloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Packs_are_the_rule_folders_with_loaded_and_enabled_counts_for_the_town()
    {
        RuleList list = (await View.ListAsync(_cloud.SocAdmin, _cloud.TownA.Id, null, 0, 50))!;
        Assert.Equal(_cloud.TownA.Id, list.Town!.Id);
        Assert.Equal(2, list.Towns.Count);
        Assert.Equal(["pack-a", "pack-b"], list.Packs.Select(p => p.Name));
        Assert.All(list.Packs, p => Assert.Equal((1, 1), (p.Loaded, p.Enabled)));
        Assert.Equal((2, 2), (list.Loaded, list.Enabled));

        RuleRow certutil = Assert.Single((await View.ListAsync(_cloud.SocAdmin, _cloud.TownA.Id, "T1105", 0, 50))!.Rows);
        Assert.Equal(AdminCloud.CertutilId, certutil.Id);
        Assert.Equal(SigmaLevel.High, certutil.Level);
        Assert.Equal("test", certutil.Status);
        Assert.Equal(["T1105"], certutil.Techniques);
        Assert.Equal("pack-a", certutil.Pack);
        Assert.Equal("Whoami run by a user", Assert.Single((await View.ListAsync(_cloud.SocAdmin, null, "whoami", 0, 50))!.Rows).Title);
    }

    [Fact]
    public async Task Disabling_a_rule_for_town_A_takes_effect_for_A_only_and_is_audited()
    {
        RuleStateChange change = (await View.SetStateAsync(_cloud.AdminA, _cloud.TownA.Id, AdminCloud.CertutilId, RuleState.Disabled))!;
        Assert.Equal((RuleState.Default, RuleState.Disabled), (change.Before, change.After));

        RuleList a = (await View.ListAsync(_cloud.AdminA, null, null, 0, 50))!;
        RuleList b = (await View.ListAsync(_cloud.AdminB, null, null, 0, 50))!;
        Assert.Equal(_cloud.TownA.Id, a.Town!.Id);
        Assert.Equal(_cloud.TownB.Id, b.Town!.Id);
        RuleRow inA = a.Rows.Single(r => r.Id == AdminCloud.CertutilId);
        RuleRow inB = b.Rows.Single(r => r.Id == AdminCloud.CertutilId);
        Assert.Equal((RuleState.Disabled, false), (inA.State, inA.Enabled));
        Assert.Equal((RuleState.Default, true), (inB.State, inB.Enabled));
        Assert.Equal(0, a.Packs.Single(p => p.Name == "pack-a").Enabled);
        Assert.Equal(1, b.Packs.Single(p => p.Name == "pack-a").Enabled);

        // Detection itself (not only the screen) now skips the rule for A and keeps it for B.
        RuleSettingsService settings = _cloud.Get<RuleSettingsService>();
        Assert.False(await settings.IsEnabledAsync(_cloud.TownA.Id, AdminCloud.CertutilId));
        Assert.True(await settings.IsEnabledAsync(_cloud.TownB.Id, AdminCloud.CertutilId));

        AuditEntry audited = (await _cloud.AuditAsync()).Single(e => e.Record.Action == "rule.state");
        Assert.Equal(("admin-a", _cloud.TownA.Id, "rule", AdminCloud.CertutilId), (audited.Record.ActorName, audited.Record.Tenant!.Value, audited.Record.TargetType, audited.Record.TargetId));
        Assert.Equal(AuditOutcome.Succeeded, audited.Record.Outcome);
        Assert.Equal("192.0.2.11", audited.Record.RemoteAddress);
        // The same JSON as the API's recorder writes (web defaults: enums as numbers).
        Assert.Equal(nameof(RuleState.Default), JsonDocument.Parse(audited.Record.Before!).RootElement.GetProperty("state").GetString());
        Assert.Equal(nameof(RuleState.Disabled), JsonDocument.Parse(audited.Record.After!).RootElement.GetProperty("state").GetString());

        await View.SetStateAsync(_cloud.SocAdmin, _cloud.TownA.Id, AdminCloud.CertutilId, RuleState.Enabled);
        Assert.True(await settings.IsEnabledAsync(_cloud.TownA.Id, AdminCloud.CertutilId));
        Assert.Equal(2, (await _cloud.AuditAsync()).Count(e => e.Record.Action == "rule.state"));
    }

    [Fact]
    public async Task Town_B_never_sees_or_changes_town_A_rule_settings()
    {
        await View.SetStateAsync(_cloud.AdminA, _cloud.TownA.Id, AdminCloud.WhoamiId, RuleState.Disabled);
        Assert.NotNull(await View.AddFilterAsync(_cloud.AdminA, _cloud.TownA.Id, Filter(AdminCloud.CertutilId)));

        // A's id in B's hands reads as absent, exactly like an unknown town.
        Assert.Null(await View.ListAsync(_cloud.AdminB, _cloud.TownA.Id, null, 0, 50));
        Assert.Null(await View.ListAsync(_cloud.AdminB, TenantId.New(), null, 0, 50));
        Assert.Null(await View.GetAsync(_cloud.AdminB, AdminCloud.WhoamiId, _cloud.TownA.Id));
        RuleList own = (await View.ListAsync(_cloud.AdminB, null, null, 0, 50))!;
        Assert.Equal([_cloud.TownB.Id], own.Towns.Select(t => t.Id));
        Assert.Empty(own.Filters);
        Assert.All(own.Rows, r => Assert.Equal((RuleState.Default, true), (r.State, r.Enabled)));

        // Writes to A through B's actor change nothing.
        Assert.Null(await View.SetStateAsync(_cloud.AdminB, _cloud.TownA.Id, AdminCloud.WhoamiId, RuleState.Enabled));
        SuppressionFilter aFilter = Assert.Single((await View.ListAsync(_cloud.AdminA, null, null, 0, 50))!.Filters);
        Assert.False(await View.RemoveFilterAsync(_cloud.AdminB, _cloud.TownA.Id, aFilter.Id));
        Assert.False(await View.RemoveFilterAsync(_cloud.AdminB, _cloud.TownB.Id, aFilter.Id));
        RuleList a = (await View.ListAsync(_cloud.AdminA, null, null, 0, 50))!;
        Assert.Single(a.Filters);
        Assert.Equal(RuleState.Disabled, a.Rows.Single(r => r.Id == AdminCloud.WhoamiId).State);
    }

    [Fact]
    public async Task An_invalid_exception_filter_is_refused_with_the_validators_message_and_nothing_is_saved()
    {
        string unknownRule = Filter("no-such-rule");
        FilterValidationException unknown = await Assert.ThrowsAsync<FilterValidationException>(() => View.AddFilterAsync(_cloud.AdminA, _cloud.TownA.Id, unknownRule));
        Assert.Equal("filter.rules", unknown.Field);
        Assert.Contains("no-such-rule", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("line", unknown.Message, StringComparison.Ordinal);

        string broken = Filter(AdminCloud.CertutilId).Replace("condition: selection", "condition: selection and", StringComparison.Ordinal);
        FilterValidationException condition = await Assert.ThrowsAsync<FilterValidationException>(() => View.AddFilterAsync(_cloud.AdminA, _cloud.TownA.Id, broken));
        Assert.True(condition.Line > 0, condition.Message);
        await Assert.ThrowsAsync<FilterValidationException>(() => View.AddFilterAsync(_cloud.AdminA, _cloud.TownA.Id, "title: [unclosed"));

        // The page shows the message; it names what is wrong.
        string shown = TenantErrors.Message(Yamori.SocConsole.Localization.UiText.For("ja"), unknown);
        Assert.Contains("no-such-rule", shown, StringComparison.Ordinal);
        Assert.Empty((await View.ListAsync(_cloud.AdminA, null, null, 0, 50))!.Filters);
        Assert.DoesNotContain(await _cloud.AuditAsync(), e => e.Record.Action.StartsWith("rule.filter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_valid_exception_is_stored_for_its_town_and_its_add_and_removal_are_audited()
    {
        SuppressionFilter added = (await View.AddFilterAsync(_cloud.AdminA, _cloud.TownA.Id, Filter(AdminCloud.CertutilId)))!;
        Assert.Equal([AdminCloud.CertutilId], added.RuleIds);
        Assert.Equal(added.Id, Assert.Single((await View.ListAsync(_cloud.SocAnalyst, _cloud.TownA.Id, null, 0, 50))!.Filters).Id);
        Assert.Empty((await View.ListAsync(_cloud.SocAnalyst, _cloud.TownB.Id, null, 0, 50))!.Filters);

        Assert.True(await View.RemoveFilterAsync(_cloud.AdminA, _cloud.TownA.Id, added.Id));
        Assert.False(await View.RemoveFilterAsync(_cloud.AdminA, _cloud.TownA.Id, added.Id));
        IReadOnlyList<AuditEntry> log = await _cloud.AuditAsync();
        Assert.Equal(added.Id.ToString(), log.Single(e => e.Record.Action == "rule.filter.add").Record.TargetId);
        AuditEntry removed = log.Single(e => e.Record.Action == "rule.filter.remove");
        Assert.Equal(_cloud.TownA.Id, removed.Record.Tenant);
        Assert.NotNull(removed.Record.Before);
        Assert.Null(removed.Record.After);
    }

    [Fact]
    public async Task Roles_without_the_admin_right_are_refused_with_the_reason_and_the_refusal_is_audited()
    {
        AccessDeniedException viewer = await Assert.ThrowsAsync<AccessDeniedException>(() => View.SetStateAsync(_cloud.ViewerA, _cloud.TownA.Id, AdminCloud.CertutilId, RuleState.Disabled));
        Assert.Contains("town-viewer", viewer.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AccessDeniedException>(() => View.SetStateAsync(_cloud.SocAnalyst, _cloud.TownA.Id, AdminCloud.CertutilId, RuleState.Disabled));
        await Assert.ThrowsAsync<AccessDeniedException>(() => View.AddFilterAsync(_cloud.ViewerA, _cloud.TownA.Id, Filter(AdminCloud.CertutilId)));

        Assert.True(await _cloud.Get<RuleSettingsService>().IsEnabledAsync(_cloud.TownA.Id, AdminCloud.CertutilId));
        IReadOnlyList<AuditEntry> log = await _cloud.AuditAsync();
        Assert.DoesNotContain(log, e => e.Record.Action == "rule.state");
        Assert.Equal(3, log.Count(e => e.Record.Action == "api.refused" && e.Record.Outcome == AuditOutcome.Denied));
    }

    [Fact]
    public async Task Rule_detail_shows_the_yaml_as_loaded_and_only_the_hits_in_the_actors_scope()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        IIncidentStore store = _cloud.Get<IIncidentStore>();
        foreach (Tenant town in new[] { _cloud.TownA, _cloud.TownB })
        {
            var alert = new Alert(Guid.CreateVersion7(), town.Id, DeviceId.New(), AdminCloud.CertutilId, "Certutil downloads a file", SigmaLevel.High,
                ["T1105"], [], now, now, 1, [], $"user-{town.Code}", @"C:\Windows\System32\certutil.exe", 42, null, null, null, now);
            await store.RecordDetectionAsync(TenantScope.For(town.Id), [alert], [], []);
        }

        RuleDetail a = (await View.GetAsync(_cloud.AdminA, AdminCloud.CertutilId, null))!;
        Assert.Contains("urlcache", a.Rule.Header.Yaml, StringComparison.Ordinal);
        Assert.Equal("pack-a", a.Pack);
        Assert.Equal((RuleState.Default, true), (a.State, a.Enabled));
        RuleHit hit = Assert.Single(a.Hits);
        Assert.Equal((_cloud.TownA.Id, "千代田区"), (hit.Alert.Tenant, hit.Town));

        RuleDetail soc = (await View.GetAsync(_cloud.SocAnalyst, AdminCloud.CertutilId, _cloud.TownB.Id))!;
        Assert.Equal(2, soc.Hits.Count);
        Assert.Empty((await View.GetAsync(_cloud.AdminB, AdminCloud.WhoamiId, null))!.Hits);
        Assert.Null(await View.GetAsync(_cloud.AdminA, "no-such-rule", null));
    }
}
