using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Tests.Detection;

/// <summary>Per-tenant enable/disable and exceptions (Sigma filters) on the global SigmaHQ rules.</summary>
[Collection(SigmaHqCollection.Name)]
public sealed class RuleSettingsTests(SigmaHqRules sigma)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly TenantId _townA = TenantId.New();
    private readonly TenantId _townB = TenantId.New();

    private static string Filter(string ruleLine, string selection = "CommandLine|contains: 'atomic.yaml'") => $"""
        title: Town A downloads its own test files
        id: 8d2a41f4-6f52-4d5b-9a0e-0d6b2b0f7c11
        logsource:
            category: process_creation
            product: windows
        filter:
            rules:
                - {ruleLine}
            selection:
                {selection}
            condition: selection
        """;

    private TelemetryEvent[] Download(DateTimeOffset at) => sigma.ProcessCreation("proc_creation_win_certutil_download", at);

    [SkippableFact]
    public async Task A_tenant_disabling_a_rule_silences_it_only_for_that_tenant_and_immediately()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        DeviceId a = DeviceId.New(), b = DeviceId.New();

        RuleStateChange change = await h.Settings.SetRuleStateAsync(Actors.Admin(_townA), _townA, SigmaHqRules.CertutilDownload, RuleState.Disabled);
        Assert.Equal(RuleState.Default, change.Before);
        Assert.Equal(RuleState.Disabled, change.After);

        await h.IngestAsync(_townA, a, 1, Download(T0));
        await h.IngestAsync(_townB, b, 1, Download(T0));
        Assert.Empty(await h.AlertsAsync(_townA, a, SigmaHqRules.CertutilDownload));
        Assert.Single(await h.AlertsAsync(_townB, b, SigmaHqRules.CertutilDownload));
        Assert.True(h.Sink.Counters.Disabled >= 1);
        Assert.False(await h.Settings.IsEnabledAsync(_townA, SigmaHqRules.CertutilDownload));
        Assert.True(await h.Settings.IsEnabledAsync(_townB, SigmaHqRules.CertutilDownload));

        // Back to the default: the next event alerts again, without reloading any rule.
        await h.Settings.SetRuleStateAsync(Actors.Soc, _townA, SigmaHqRules.CertutilDownload, RuleState.Default);
        await h.IngestAsync(_townA, a, 2, Download(T0.AddMinutes(1)));
        Assert.Single(await h.AlertsAsync(_townA, a, SigmaHqRules.CertutilDownload));
    }

    [SkippableFact]
    public async Task A_rule_below_the_minimum_level_is_off_unless_a_tenant_enables_it()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!, new DetectionOptions { MinimumLevel = SigmaLevel.High });
        DeviceId a = DeviceId.New(), b = DeviceId.New();

        await h.Settings.SetRuleStateAsync(Actors.Admin(_townA), _townA, SigmaHqRules.CertutilDownload, RuleState.Enabled);
        await h.IngestAsync(_townA, a, 1, Download(T0));
        await h.IngestAsync(_townB, b, 1, Download(T0));

        Assert.Single(await h.AlertsAsync(_townA, a, SigmaHqRules.CertutilDownload));
        Assert.Empty(await h.AlertsAsync(_townB, b, SigmaHqRules.CertutilDownload));
    }

    [SkippableFact]
    public async Task A_tenant_exception_suppresses_matching_events_only_for_that_tenant()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        DeviceId a = DeviceId.New(), b = DeviceId.New();

        SuppressionFilter saved = await h.Settings.AddFilterAsync(Actors.Admin(_townA), _townA, Filter(SigmaHqRules.CertutilDownload));
        Assert.Equal([SigmaHqRules.CertutilDownload], saved.RuleIds);
        Assert.Single((await h.Settings.GetSettingsAsync(Actors.Admin(_townA), _townA)).Filters);

        await h.IngestAsync(_townA, a, 1, Download(T0));
        await h.IngestAsync(_townB, b, 1, Download(T0));

        Assert.Empty(await h.AlertsAsync(_townA, a, SigmaHqRules.CertutilDownload));
        Assert.Single(await h.AlertsAsync(_townB, b, SigmaHqRules.CertutilDownload));
        Assert.Equal(1, h.Sink.Counters.Suppressed);

        // Removing the exception restores the alert for the next event.
        Assert.NotNull(await h.Settings.RemoveFilterAsync(Actors.Admin(_townA), _townA, saved.Id));
        await h.IngestAsync(_townA, a, 2, Download(T0.AddMinutes(1)));
        Assert.Single(await h.AlertsAsync(_townA, a, SigmaHqRules.CertutilDownload));
    }

    [SkippableFact]
    public async Task An_exception_whose_selection_does_not_match_the_event_suppresses_nothing()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        DeviceId a = DeviceId.New();

        SuppressionFilter saved = await h.Settings.AddFilterAsync(Actors.Soc, _townA, Filter(SigmaHqRules.CertutilDownload, "User|startswith: 'adm_'"));
        Assert.Equal([SigmaHqRules.CertutilDownload], saved.RuleIds);
        await h.IngestAsync(_townA, a, 1, Download(T0));

        Assert.Single(await h.AlertsAsync(_townA, a, SigmaHqRules.CertutilDownload));
        Assert.Equal(0, h.Sink.Counters.Suppressed);
    }

    [SkippableFact]
    public async Task Invalid_yaml_is_refused_naming_its_line()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        string broken = """
            title: Broken
            id: 0d0e4d0a-0f3c-4c8e-9a55-34a1c7c2d001
            filter:
                rules:
                    - 19b08b1c-861d-4e75-a1ef-ea0c1baf202b
                selection:
                    CommandLine: 'unterminated
            """;

        FilterValidationException ex = await Assert.ThrowsAsync<FilterValidationException>(async () => await h.Settings.AddFilterAsync(Actors.Soc, _townA, broken));
        Assert.Equal(7, ex.Line);
        Assert.Equal("yaml", ex.Field);
        Assert.StartsWith("line 7, yaml: ", ex.Message, StringComparison.Ordinal);
        Assert.Empty((await h.Settings.GetSettingsAsync(Actors.Soc, _townA)).Filters);
    }

    [SkippableFact]
    public async Task An_unknown_rule_id_is_refused_naming_the_line_and_field()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        string unknown = """
            title: Unknown target
            id: 0d0e4d0a-0f3c-4c8e-9a55-34a1c7c2d002
            filter:
                rules:
                    - 19b08b1c-861d-4e75-a1ef-ea0c1baf202b
                    - 00000000-0000-0000-0000-00000000dead
                selection:
                    User: x
                condition: selection
            """;

        FilterValidationException ex = await Assert.ThrowsAsync<FilterValidationException>(async () => await h.Settings.AddFilterAsync(Actors.Soc, _townA, unknown));
        Assert.Equal(6, ex.Line);
        Assert.Equal("filter.rules", ex.Field);
        Assert.Contains("00000000-0000-0000-0000-00000000dead", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_detection_rule_or_a_broken_condition_is_not_accepted_as_an_exception()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        string rule = """
            title: Not a filter
            id: 0d0e4d0a-0f3c-4c8e-9a55-34a1c7c2d003
            logsource:
                category: process_creation
            detection:
                selection:
                    User: x
                condition: selection
            """;
        FilterValidationException notFilter = await Assert.ThrowsAsync<FilterValidationException>(async () => await h.Settings.AddFilterAsync(Actors.Soc, _townA, rule));
        Assert.Equal("filter", notFilter.Field);

        string badCondition = Filter(SigmaHqRules.CertutilDownload).Replace("condition: selection", "condition: selection and nothing", StringComparison.Ordinal);
        FilterValidationException condition = await Assert.ThrowsAsync<FilterValidationException>(async () => await h.Settings.AddFilterAsync(Actors.Soc, _townA, badCondition));
        Assert.True(condition.Line > 0, condition.Message);
    }

    [SkippableFact]
    public async Task Town_B_cannot_read_or_change_town_A_settings_and_viewers_change_nothing()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        SuppressionFilter saved = await h.Settings.AddFilterAsync(Actors.Admin(_townA), _townA, Filter(SigmaHqRules.CertutilDownload));
        await h.Settings.SetRuleStateAsync(Actors.Admin(_townA), _townA, SigmaHqRules.CertutilDecode, RuleState.Disabled);

        // Reads as town B: empty.
        TenantRuleSettings seenByB = await h.Settings.GetSettingsAsync(Actors.Admin(_townB), _townA);
        Assert.Empty(seenByB.Filters);
        Assert.Empty(seenByB.Overrides);
        Assert.Empty((await h.SettingsStore.GetAsync(TenantScope.For(_townB), _townA)).Filters);

        // Writes as town B: refused, town A unchanged.
        await Assert.ThrowsAsync<TenantScopeException>(async () => await h.Settings.SetRuleStateAsync(Actors.Admin(_townB), _townA, SigmaHqRules.CertutilDecode, RuleState.Enabled));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await h.Settings.AddFilterAsync(Actors.Admin(_townB), _townA, Filter(SigmaHqRules.CertutilDownload)));
        Assert.Null(await h.Settings.RemoveFilterAsync(Actors.Admin(_townB), _townA, saved.Id));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await h.SettingsStore.DeleteFilterAsync(TenantScope.For(_townB), _townA, saved.Id));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await h.SettingsStore.SaveFilterAsync(TenantScope.For(_townB), saved));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await h.SettingsStore.SaveFilterAsync(TenantScope.For(_townB), saved with { Tenant = _townB }));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await h.SettingsStore.SetRuleStateAsync(TenantScope.For(_townB), _townA, SigmaHqRules.CertutilDecode, RuleState.Enabled, "b", T0));

        // A viewer of town A changes nothing either.
        await Assert.ThrowsAsync<DetectionAccessException>(async () => await h.Settings.SetRuleStateAsync(Actors.Viewer(_townA), _townA, SigmaHqRules.CertutilDecode, RuleState.Enabled));
        await Assert.ThrowsAsync<DetectionAccessException>(async () => await h.Settings.AddFilterAsync(Actors.Viewer(_townA), _townA, Filter(SigmaHqRules.CertutilDownload)));
        await Assert.ThrowsAsync<DetectionAccessException>(async () => await h.Settings.RemoveFilterAsync(Actors.Viewer(_townA), _townA, saved.Id));

        TenantRuleSettings a = await h.Settings.GetSettingsAsync(Actors.Viewer(_townA), _townA);
        Assert.Equal(saved.Id, Assert.Single(a.Filters).Id);
        Assert.False(a.Overrides[SigmaHqRules.CertutilDecode]);
    }

    [SkippableFact]
    public async Task An_unknown_rule_cannot_be_enabled_or_disabled()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(async () => await h.Settings.SetRuleStateAsync(Actors.Soc, _townA, "no-such-rule", RuleState.Disabled));
        Assert.Equal("ruleId", ex.ParamName);
    }
}
