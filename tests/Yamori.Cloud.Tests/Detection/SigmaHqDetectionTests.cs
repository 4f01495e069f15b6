using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Tests.Detection;

/// <summary>Real SigmaHQ rules on SigmaHQ's recorded attack events, through the real event store and the sink.</summary>
[Collection(SigmaHqCollection.Name)]
public sealed class SigmaHqDetectionTests(SigmaHqRules sigma)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly TenantId _townA = TenantId.New();
    private readonly TenantId _townB = TenantId.New();

    private TelemetryEvent[] Download(DateTimeOffset at) => sigma.ProcessCreation("proc_creation_win_certutil_download", at);

    private TelemetryEvent[] ExportPfx(DateTimeOffset at) => sigma.ProcessCreation("proc_creation_win_certutil_export_pfx", at);

    private TelemetryEvent[] Decode(DateTimeOffset at) => sigma.ProcessCreation("proc_creation_win_certutil_decode", at);

    [SkippableFact]
    public async Task A_recorded_attack_raises_its_rule_alert_for_the_right_tenant_and_device()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        DeviceId device = DeviceId.New(), other = DeviceId.New();

        CommitOutcome outcome = await h.IngestAsync(_townA, device, 1, Download(T0));

        Alert alert = Assert.Single(await h.AlertsAsync(_townA, device, SigmaHqRules.CertutilDownload));
        Assert.Equal(_townA, alert.Tenant);
        Assert.Equal(device, alert.Device);
        Assert.Equal("Suspicious Download Via Certutil.EXE", alert.RuleTitle);
        Assert.Equal(SigmaLevel.Medium, alert.Level);
        Assert.Equal(["T1027", "T1105"], alert.Techniques.Order());
        Assert.Contains("command-and-control", alert.Tactics);
        Assert.Equal(T0, alert.FirstSeen);
        Assert.Equal(1, alert.Count);
        Assert.Equal([outcome.Stored[0].Id], alert.EventIds);
        Assert.Equal(@"ATTACKRANGE\Administrator", alert.User);
        Assert.Equal(@"C:\Windows\System32\certutil.exe", alert.Image);
        Assert.Equal(6484, alert.ProcessId);
        Assert.NotNull(alert.IncidentId);

        Incident incident = (await h.Store.GetAsync(TenantScope.For(_townA), alert.IncidentId!.Value))!;
        Assert.Equal(IncidentStatus.New, incident.Status);
        Assert.Equal([device], incident.Devices);
        Assert.Contains("T1105", incident.Techniques);
        Assert.Single(h.Listener.Opened);

        // Another tenant and another device see nothing of it.
        Assert.Empty(await h.AlertsAsync(_townB));
        Assert.Empty(await h.AlertsAsync(_townA, other));
        Assert.Null(await h.Store.GetAlertAsync(TenantScope.For(_townB), alert.Id));
    }

    [SkippableFact]
    public async Task The_same_attack_again_within_the_window_merges_and_after_it_opens_a_new_alert()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        DeviceId device = DeviceId.New();

        CommitOutcome first = await h.IngestAsync(_townA, device, 1, Download(T0));
        CommitOutcome second = await h.IngestAsync(_townA, device, 2, Download(T0.AddMinutes(9)));

        Alert merged = Assert.Single(await h.AlertsAsync(_townA, device, SigmaHqRules.CertutilDownload));
        Assert.Equal(2, merged.Count);
        Assert.Equal(T0, merged.FirstSeen);
        Assert.Equal(T0.AddMinutes(9), merged.LastSeen);
        Assert.Equal([first.Stored[0].Id, second.Stored[0].Id], merged.EventIds);

        // The default window is 10 minutes after the last seen event: 10 min 1 s later is a new alert.
        await h.IngestAsync(_townA, device, 3, Download(T0.AddMinutes(19).AddSeconds(1)));
        IReadOnlyList<Alert> alerts = await h.AlertsAsync(_townA, device, SigmaHqRules.CertutilDownload);
        Assert.Equal(2, alerts.Count);
        Assert.Equal([1L, 2L], alerts.Select(a => a.Count).Order());
        Assert.True(h.Sink.Counters.AlertsMerged >= 1);
    }

    [SkippableFact]
    public async Task Alerts_of_one_user_on_two_devices_join_one_incident_whose_severity_rises()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        DeviceId pc1 = DeviceId.New(), pc2 = DeviceId.New();

        // The pfx export matches one medium rule only; the decode matches a high one.
        await h.IngestAsync(_townA, pc1, 1, ExportPfx(T0));
        Alert export = Assert.Single(await h.AlertsAsync(_townA, pc1));
        Assert.Equal(SigmaHqRules.CertutilExportPfx, export.RuleId);
        Incident opened = Assert.Single(h.Listener.Opened);
        SigmaLevel before = opened.Severity;
        Assert.Equal(SigmaLevel.Medium, before);
        Assert.Equal(export.RuleTitle, opened.Title);

        await h.IngestAsync(_townA, pc2, 1, Decode(T0.AddMinutes(20)));
        Alert decode = Assert.Single(await h.AlertsAsync(_townA, pc2, SigmaHqRules.CertutilDecode));
        Assert.Equal(export.IncidentId, decode.IncidentId);

        Incident incident = (await h.Store.GetAsync(TenantScope.For(_townA), export.IncidentId!.Value))!;
        Assert.Equal(SigmaLevel.High, incident.Severity);
        Assert.Equal((await h.AlertsAsync(_townA)).Max(a => a.Level), incident.Severity);
        Assert.Equal([pc1, pc2], incident.Devices);
        Assert.Equal([@"ATTACKRANGE\Administrator"], incident.Users);
        Assert.Equal(export.Techniques.Union(decode.Techniques).Order(), incident.Techniques.Order());
        Assert.Contains("T1027", incident.Techniques);
        IReadOnlyList<Alert> all = await h.AlertsAsync(_townA);
        Assert.Equal(all.Count, incident.AlertCount);
        Assert.Equal(SigmaLevel.High, all.First(a => a.RuleTitle == incident.Title).Level);
        Assert.Equal(T0, incident.FirstActivity);
        Assert.Equal(T0.AddMinutes(20), incident.LastActivity);

        Assert.Single(h.Listener.Opened);
        (Incident raisedIncident, SigmaLevel previous) = Assert.Single(h.Listener.Raised);
        Assert.Equal(incident.Id, raisedIncident.Id);
        Assert.Equal(before, previous);
        Assert.Equal(SigmaLevel.High, raisedIncident.Severity);
    }

    [SkippableFact]
    public async Task An_alert_long_after_the_incident_window_opens_a_new_incident()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        DeviceId pc1 = DeviceId.New(), pc2 = DeviceId.New();

        await h.IngestAsync(_townA, pc1, 1, Download(T0));
        await h.IngestAsync(_townA, pc2, 1, Decode(T0.AddMinutes(31)));

        Alert download = Assert.Single(await h.AlertsAsync(_townA, pc1, SigmaHqRules.CertutilDownload));
        Alert decode = Assert.Single(await h.AlertsAsync(_townA, pc2, SigmaHqRules.CertutilDecode));
        Assert.NotEqual(download.IncidentId, decode.IncidentId);
        Assert.Equal(2, h.Listener.Opened.Count);
    }

    [SkippableFact]
    public async Task A_sequence_gap_raises_a_telemetry_integrity_alert_naming_the_missing_range()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!);
        DeviceId device = DeviceId.New();

        await h.IngestAsync(_townA, device, 1, Events.Process(1, 0));
        Assert.Empty(await h.AlertsAsync(_townA, device, BuiltInRules.TelemetryIntegrityId));
        CommitOutcome jump = await h.IngestAsync(_townA, device, 5, Events.Process(5, 0));
        Assert.NotNull(jump.NewGap);

        Alert integrity = Assert.Single(await h.AlertsAsync(_townA, device, BuiltInRules.TelemetryIntegrityId));
        Assert.Equal(SigmaLevel.High, integrity.Level);
        Assert.Contains("2..4", integrity.Detail, StringComparison.Ordinal);
        Assert.Equal(h.Clock.GetUtcNow(), integrity.FirstSeen);
        Assert.NotNull(integrity.IncidentId);
        Assert.Equal(1, h.Sink.Counters.IntegrityAlerts);
        Assert.Empty(await h.AlertsAsync(_townB));
    }

    [SkippableFact]
    public async Task A_throwing_listener_does_not_stop_detection_or_the_other_listeners()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!, null, new ThrowingListener());
        DeviceId device = DeviceId.New();

        await h.IngestAsync(_townA, device, 1, Download(T0));

        Assert.Single(await h.AlertsAsync(_townA, device, SigmaHqRules.CertutilDownload));
        Assert.Single(h.Listener.Opened);
        Assert.Equal(1, h.Sink.Counters.ListenerFailures);
    }

    [SkippableFact]
    public async Task Parallel_workers_keep_each_devices_alerts_in_event_order()
    {
        Skip.If(sigma.Rules is null, SigmaHqRules.Missing);
        using var h = new DetectionHarness(sigma.Rules!, new DetectionOptions { MaxParallelism = 4 });
        DeviceId[] devices = [DeviceId.New(), DeviceId.New(), DeviceId.New()];
        var batches = new List<CommittedBatch>();
        for (ulong seq = 1; seq <= 3; seq++)
        {
            foreach (DeviceId d in devices)
            {
                TelemetryEvent[] events = Download(T0.AddMinutes((double)seq));
                CommitOutcome o = await h.Events.CommitBatchAsync(TenantScope.For(_townA), d, seq, events);
                batches.Add(new CommittedBatch(_townA, d, seq, o.Stored, null));
            }
        }

        await h.Sink.OnCommittedAsync(batches, CancellationToken.None);

        foreach (DeviceId d in devices)
        {
            Alert alert = Assert.Single(await h.AlertsAsync(_townA, d, SigmaHqRules.CertutilDownload));
            Assert.Equal(3, alert.Count);
            Assert.Equal(T0.AddMinutes(1), alert.FirstSeen);
            Assert.Equal(T0.AddMinutes(3), alert.LastSeen);
            long[] expected = [.. batches.Where(b => b.Device == d).Select(b => b.Events[0].Id)];
            Assert.Equal(expected, alert.EventIds);
        }
    }
}
