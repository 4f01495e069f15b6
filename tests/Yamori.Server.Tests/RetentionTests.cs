using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Hosting;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

public sealed class RetentionTests : IAsyncLifetime
{
    private CloudFixture _cloud = null!;

    public async Task InitializeAsync() => _cloud = await CloudFixture.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Each_town_loses_only_what_is_older_than_its_own_retention_and_it_is_audited()
    {
        // Town A keeps 90 days, town B 365 (fixture).
        using X509Certificate2 ca = _cloud.Get<CloudCertificateAuthority>().Certificate;
        DeviceId a = await ShipAsync(ca, _cloud.TownA);
        DeviceId b = await ShipAsync(ca, _cloud.TownB);
        IEventStore events = _cloud.Get<IEventStore>();
        Assert.Equal(2, await CountAsync(events, _cloud.TownA.Id, a));

        Retention retention = _cloud.Get<Retention>();
        IReadOnlyDictionary<TenantId, long> nothingYet = await retention.RunOnceAsync(DateTimeOffset.UtcNow.AddDays(89));
        Assert.Equal(0, nothingYet[_cloud.TownA.Id]);

        IReadOnlyDictionary<TenantId, long> deleted = await retention.RunOnceAsync(DateTimeOffset.UtcNow.AddDays(91));
        Assert.Equal(2, deleted[_cloud.TownA.Id]);
        Assert.Equal(0, await CountAsync(events, _cloud.TownA.Id, a));
        Assert.Equal(2, await CountAsync(events, _cloud.TownB.Id, b));

        AuditPage audit = await _cloud.Get<IAuditLog>().QueryAsync(TenantScope.For(_cloud.TownA.Id), new AuditQuery(ActionPrefix: "retention"));
        Assert.Contains("2 events", Assert.Single(audit.Entries).Record.Detail, StringComparison.Ordinal);
    }

    private async Task<DeviceId> ShipAsync(X509Certificate2 ca, Tenant town)
    {
        using var agent = new TestAgent(ca);
        var device = DeviceId.Parse((await agent.EnrollAsync(_cloud.ApiUri, await _cloud.CreateTokenAsync(town))).DeviceId);
        using GrpcChannel channel = agent.OpenChannel(_cloud.AgentUri);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(TestAgent.Batch(1, 2));
        await TestAgent.WaitForAckAsync(call.ResponseStream, 1, cts.Token);
        await call.RequestStream.CompleteAsync();
        return device;
    }

    private static async Task<int> CountAsync(IEventStore events, TenantId tenant, DeviceId device) =>
        (await events.QueryEventsAsync(TenantScope.For(tenant), new EventQuery(device, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)))).Count;
}
