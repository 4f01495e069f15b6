using System.Net;
using Yamori.Agent.Hosting;
using Yamori.Agent.Replay;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Tests.Support;
using Yamori.Tests;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>
/// The agent's whole delivery path against a real cloud: replayed attack recordings through the
/// pipeline, the on-disk spool and the mTLS stream, into the cloud's store and detection, exactly
/// once, including across a cloud outage.
/// </summary>
public sealed class AgentDeliveryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static string? Case(out string rule)
    {
        rule = "";
        if (TestData.SigmaHqRoot is not { } root)
        {
            return null;
        }

        rule = Path.Combine(root, "rules", "windows", "process_creation", "proc_creation_win_certutil_download.yml");
        string dir = Path.Combine(root, "regression_data", "rules", "windows", "process_creation", "proc_creation_win_certutil_download");
        return Directory.GetFiles(dir, "*.evtx").Single();
    }

    [SkippableFact]
    public async Task A_replayed_recording_reaches_the_cloud_once_and_fires_its_rule_in_the_cloud_and_on_the_agent()
    {
        string? evtx = Case(out string rule);
        Skip.If(evtx is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        await using CloudFixture cloud = await CloudFixture.StartAsync(rules: [rule]);
        using AgentHarness agent = await AgentHarness.EnrollAsync(cloud, cloud.TownA, o => o with { LocalRules = [rule] });
        await using AgentRuntime runtime = agent.Open();

        ReplayReport report = ReplaySource.Replay([evtx!], runtime.Pipeline);
        Assert.Empty(report.Problems);
        Assert.True(report.Events > 0);
        Assert.Equal(1, runtime.Detector!.Alerts);

        using var stop = new CancellationTokenSource();
        Task running = runtime.RunAsync(stop.Token);
        Assert.True(await runtime.WaitUntilDeliveredAsync(Timeout), "the cloud did not acknowledge everything");

        List<StoredEvent> stored = await agent.StoredEventsAsync(cloud);

        // The recording plus the agent's own alert, each once.
        Assert.Equal(report.Events + 1, stored.Count);
        StoredEvent localAlert = Assert.Single(stored, e => e.Event.Source.Category == "agent_alert");
        Assert.True(localAlert.Event.TryGetField("RuleId", out EventValue ruleId));
        string expectedRule = File.ReadAllLines(rule).First(l => l.StartsWith("id:", StringComparison.Ordinal))[3..].Trim();
        Assert.Equal(expectedRule, ruleId.ToString());
        Assert.Equal("windows", Assert.Single(stored, e => e.Event.Source.Category != "agent_alert").Event.Source.Product);

        // The cloud's own detection on the same telemetry.
        await AgentHarness.WaitForAsync(
            async () => (await cloud.Get<IAlertStore>().ListAlertsAsync(TenantScope.For(agent.Tenant), new AlertQuery(Device: agent.Device))).Any(a => a.RuleId == expectedRule),
            Timeout,
            "the cloud's alert");

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Events_spooled_while_the_cloud_is_down_arrive_once_after_it_returns()
    {
        int agentPort = Yamori.Tests.TestPorts.Reserve();
        string data = Path.Combine(Path.GetTempPath(), "yamori-server-tests", Guid.NewGuid().ToString("N"));
        Func<Yamori.Server.Hosting.ServerOptions, Yamori.Server.Hosting.ServerOptions> samePort = o => o with { AgentEndpoint = new IPEndPoint(IPAddress.Loopback, agentPort) };
        CloudFixture cloud = await CloudFixture.StartAsync(data, configure: samePort);
        Tenant town = cloud.TownA;
        using AgentHarness agent = await AgentHarness.EnrollAsync(cloud, town);
        await using AgentRuntime runtime = agent.Open();
        using var stop = new CancellationTokenSource();
        Task running = runtime.RunAsync(stop.Token);

        Publish(runtime, "before", 300);
        Assert.True(await runtime.WaitUntilDeliveredAsync(Timeout));

        // The cloud goes away (without deleting its data); the host keeps working and spooling.
        await cloud.App.StopAsync();
        await cloud.App.DisposeAsync();
        Publish(runtime, "during", 700);
        await Task.Delay(500);
        Assert.True(runtime.Spool.Stats.PendingEvents >= 700);

        await using CloudFixture back = await CloudFixture.StartAsync(data, seed: false, configure: samePort);
        Assert.True(await runtime.WaitUntilDeliveredAsync(Timeout), "not delivered after the cloud returned");
        Assert.True(runtime.Uplink.Connections >= 2);

        List<StoredEvent> stored = await agent.StoredEventsAsync(back);
        Assert.Equal(1000, stored.Count);
        Assert.Equal(1000, stored.Select(e => Marker(e.Event)).Distinct().Count());
        Assert.Empty(await back.Get<IEventStore>().QueryGapsAsync(TenantScope.For(agent.Tenant), agent.Device));

        await stop.CancelAsync();
        await running;
    }

    internal static void Publish(AgentRuntime runtime, string prefix, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var e = new Yamori.Sigma.Events.FlatEvent
            {
                Source = new Yamori.Sigma.Events.LogSourceHint("linux", "process_creation", null),
                Timestamp = DateTimeOffset.UtcNow,
            };
            e.Set("Image", "/usr/bin/true");
            e.Set("CommandLine", $"/usr/bin/true {prefix}-{i}");
            Assert.True(runtime.Pipeline.Publish(e, Yamori.Agent.Telemetry.EventPriority.Normal));
        }
    }

    internal static string Marker(TelemetryEvent e) => e.TryGetField("CommandLine", out EventValue v) ? v.ToString() : "";
}
