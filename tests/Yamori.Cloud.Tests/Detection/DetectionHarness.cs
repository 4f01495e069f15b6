using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Tests.Detection;

/// <summary>The detection stack on a real SQLite file: event store, sink, correlator, stores and services.</summary>
internal sealed class DetectionHarness : IDisposable
{
    public DetectionHarness(RuleSet rules, DetectionOptions? options = null, params IIncidentListener[] extraListeners)
    {
        Options = options ?? new DetectionOptions();
        Clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        Events = new SqliteEventStore(Temp.Database, Clock);
        Store = new SqliteDetectionStore(Temp.Database);
        SettingsStore = new SqliteRuleSettingsStore(Temp.Database);
        Settings = new RuleSettingsService(rules, SettingsStore, Options, Clock);
        Correlator = new AlertCorrelator(Store, Store, [.. extraListeners, Listener], Options, Clock);
        Sink = new DetectionSink(new SigmaEngine(rules), Settings, Correlator, Options);
        Incidents = new IncidentService(Store, Store, Store, Events, Clock);
    }

    public TempDatabase Temp { get; } = new();

    public ManualClock Clock { get; }

    public DetectionOptions Options { get; }

    public SqliteEventStore Events { get; }

    public SqliteDetectionStore Store { get; }

    public SqliteRuleSettingsStore SettingsStore { get; }

    public RuleSettingsService Settings { get; }

    public AlertCorrelator Correlator { get; }

    public DetectionSink Sink { get; }

    public IncidentService Incidents { get; }

    public RecordingListener Listener { get; } = new();

    /// <summary>Commits one batch through the real event store and hands what was stored to the sink.</summary>
    public async Task<CommitOutcome> IngestAsync(TenantId tenant, DeviceId device, ulong sequence, params TelemetryEvent[] events)
    {
        CommitOutcome outcome = await Events.CommitBatchAsync(TenantScope.For(tenant), device, sequence, events);
        Assert.Equal(CommitStatus.Stored, outcome.Status);
        await Sink.OnCommittedAsync([new CommittedBatch(tenant, device, sequence, outcome.Stored, outcome.NewGap)], CancellationToken.None);
        return outcome;
    }

    public async Task<IReadOnlyList<Alert>> AlertsAsync(TenantId tenant, DeviceId? device = null, string? rule = null) =>
        await Store.ListAlertsAsync(TenantScope.For(tenant), new AlertQuery(Device: device, RuleId: rule));

    public void Dispose()
    {
        Events.Dispose();
        Temp.Dispose();
    }
}

/// <summary>Records what listeners are told.</summary>
internal sealed class RecordingListener : IIncidentListener
{
    public List<Incident> Opened { get; } = [];

    public List<(Incident Incident, SigmaLevel Previous)> Raised { get; } = [];

    public ValueTask OnIncidentOpenedAsync(Incident incident, CancellationToken cancellationToken)
    {
        Opened.Add(incident);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnSeverityRaisedAsync(Incident incident, SigmaLevel previous, CancellationToken cancellationToken)
    {
        Raised.Add((incident, previous));
        return ValueTask.CompletedTask;
    }
}

/// <summary>A listener that always fails.</summary>
internal sealed class ThrowingListener : IIncidentListener
{
    public ValueTask OnIncidentOpenedAsync(Incident incident, CancellationToken cancellationToken) => throw new InvalidOperationException("notifier down");

    public ValueTask OnSeverityRaisedAsync(Incident incident, SigmaLevel previous, CancellationToken cancellationToken) => throw new InvalidOperationException("notifier down");
}

/// <summary>People acting on detection data.</summary>
internal static class Actors
{
    public static Actor Soc { get; } = new("soc-analyst-1", "analyst", ActorKind.User, Role.SocAnalyst, null, "192.0.2.1");

    public static Actor Admin(TenantId tenant) => new("admin-" + tenant.Value.ToString("N")[..6], "town admin", ActorKind.User, Role.TownAdmin, tenant, "192.0.2.2");

    public static Actor Viewer(TenantId tenant) => new("viewer-" + tenant.Value.ToString("N")[..6], "town viewer", ActorKind.User, Role.TownViewer, tenant, "192.0.2.3");
}
