using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Health;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>An agent's heartbeat is its own account of what it lost; the cloud turns losses into an integrity alert.</summary>
public sealed class HeartbeatTests : IAsyncLifetime
{
    private CloudFixture _cloud = null!;
    private ulong _sequence;

    public async Task InitializeAsync() => _cloud = await CloudFixture.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Reported_drops_raise_one_integrity_alert_and_degrade_the_device_until_a_clean_report()
    {
        using X509Certificate2 ca = _cloud.Get<CloudCertificateAuthority>().Certificate;
        using var agent = new TestAgent(ca);
        var device = DeviceId.Parse((await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(_cloud.TownA))).DeviceId);
        TenantScope town = TenantScope.For(_cloud.TownA.Id);

        await SendHeartbeatAsync(agent, new Dictionary<string, ulong>());
        Assert.Equal(DeviceHealth.Healthy, (await _cloud.Get<ITenancyStore>().GetDeviceAsync(town, device))!.Health);
        Assert.Empty(await IntegrityAlertsAsync(device));

        // The spool filled up while the device was offline: 120 + 30 events are gone for good.
        await SendHeartbeatAsync(agent, new Dictionary<string, ulong> { ["spool_full"] = 120, ["collector_overrun"] = 30 });
        Device degraded = (await _cloud.Get<ITenancyStore>().GetDeviceAsync(town, device))!;
        Assert.Equal(DeviceHealth.Degraded, degraded.Health);
        Alert alert = Assert.Single(await IntegrityAlertsAsync(device));
        Assert.Contains("dropped 150 events", alert.Detail, StringComparison.Ordinal);
        Assert.Contains("spool_full: 120", alert.Detail, StringComparison.Ordinal);

        // The same cumulative counts again mean nothing new was lost.
        await SendHeartbeatAsync(agent, new Dictionary<string, ulong> { ["spool_full"] = 120, ["collector_overrun"] = 30 });
        Assert.Equal(DeviceHealth.Healthy, (await _cloud.Get<ITenancyStore>().GetDeviceAsync(town, device))!.Health);
        Assert.Equal(1L, Assert.Single(await IntegrityAlertsAsync(device)).Count);

        AgentReport report = (await _cloud.Get<IAgentReportStore>().GetAsync(town, device))!;
        Assert.Equal(150UL, report.DroppedTotal);
        Assert.Equal(4096UL, report.SpoolEvents);
        Assert.Null(await _cloud.Get<IAgentReportStore>().GetAsync(TenantScope.For(_cloud.TownB.Id), device));
    }

    private async Task SendHeartbeatAsync(TestAgent agent, Dictionary<string, ulong> dropped)
    {
        using GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
        var heartbeat = new Heartbeat { AgentVersion = "0.1.0-test", SpoolEvents = 4096, SpoolBytes = 1 << 20, CpuPercent = 1.5, RssBytes = 40 << 20 };
        heartbeat.EventsDropped.Add(dropped);
        await call.RequestStream.WriteAsync(new AgentMessage { Heartbeat = heartbeat });

        // A batch after the heartbeat: its ack proves the heartbeat before it was handled (one stream, in order).
        await call.RequestStream.WriteAsync(TestAgent.Batch(++_sequence, 1));
        await TestAgent.WaitForAckAsync(call.ResponseStream, _sequence, cts.Token);
        await call.RequestStream.CompleteAsync();
    }

    private async Task<List<Alert>> IntegrityAlertsAsync(DeviceId device) =>
        (await _cloud.Get<IAlertStore>().ListAlertsAsync(TenantScope.AllTenants, new AlertQuery(Device: device)))
            .Where(a => a.RuleId == BuiltInRules.TelemetryIntegrityId).ToList();
}
