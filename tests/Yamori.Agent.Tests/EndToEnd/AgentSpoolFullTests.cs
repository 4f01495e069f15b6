using Yamori.Agent.Hosting;
using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Tests.Support;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>
/// A host offline long enough to fill its spool loses its oldest low-value telemetry, never
/// silently: every dropped event is counted, the count reaches the cloud in a heartbeat, and the
/// SOC gets a telemetry-integrity alert naming it. Everything kept arrives once.
/// </summary>
public sealed class AgentSpoolFullTests
{
    [Fact]
    public async Task A_full_spool_drops_low_priority_events_counts_them_and_the_cloud_alerts_with_the_exact_number()
    {
        await using CloudFixture cloud = await CloudFixture.StartAsync();
        using AgentHarness agent = await AgentHarness.EnrollAsync(cloud, cloud.TownA);
        await using AgentRuntime runtime = agent.Open(spool: o => new SegmentSpool(new SpoolOptions
        {
            Directory = o.Directory,
            MaxBytes = 256 << 10,
            SegmentBytes = 32 << 10,
            Fsync = o.Fsync,
        }));

        // Offline (the uplink is not running yet): 3,000 connection events and 50 process starts.
        const int Low = 3000;
        const int Normal = 50;
        for (int i = 0; i < Low; i++)
        {
            Assert.True(runtime.Pipeline.Publish(Event("network_connection", $"conn-{i}"), EventPriority.Low));
        }

        for (int i = 0; i < Normal; i++)
        {
            Assert.True(runtime.Pipeline.Publish(Event("process_creation", $"proc-{i}"), EventPriority.Normal));
        }

        ulong dropped = runtime.Spool.Stats.Dropped.GetValueOrDefault("spool_full");
        Assert.True(dropped > 0, "the spool should have overflowed");

        using var stop = new CancellationTokenSource();
        Task running = runtime.RunAsync(stop.Token);
        Assert.True(await runtime.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(60)));

        List<StoredEvent> stored = await agent.StoredEventsAsync(cloud);
        Assert.Equal(Low + Normal, stored.Count + (long)dropped);

        // Low-value events went first: every process start survived, and the connections kept are the newest.
        Assert.Equal(Normal, stored.Count(e => e.Event.Source.Category == "process_creation"));
        Assert.Contains(stored, e => Marker(e) == $"conn-{Low - 1}");
        Assert.DoesNotContain(stored, e => Marker(e) == "conn-0");

        Alert? integrity = null;
        await AgentHarness.WaitForAsync(
            async () =>
            {
                IReadOnlyList<Alert> alerts = await cloud.Get<IAlertStore>().ListAlertsAsync(TenantScope.For(agent.Tenant), new AlertQuery(Device: agent.Device, RuleId: BuiltInRules.TelemetryIntegrityId));
                integrity = alerts.FirstOrDefault();
                return integrity is not null;
            },
            TimeSpan.FromSeconds(30),
            "the telemetry-integrity alert");
        Assert.Contains($"spool_full: {dropped}", integrity!.Detail, StringComparison.Ordinal);

        await stop.CancelAsync();
        await running;
    }

    private static FlatEvent Event(string category, string marker)
    {
        var e = new FlatEvent { Source = new LogSourceHint("linux", category, null), Timestamp = DateTimeOffset.UtcNow };
        e.Set("Marker", marker);
        e.Set("Padding", new string('x', 150));
        return e;
    }

    private static string? Marker(StoredEvent e) => e.Event.TryGetField("Marker", out EventValue v) ? v.ToString() : null;
}
