using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Grpc.Net.Client;
using Yamori.Cloud.Enrollment;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Server.Tests.Support;

/// <summary>
/// The shared set-up of the API tests: a cloud with SigmaHQ's process-creation rules, the operator
/// signed in with TOTP, an admin per town, an agent in town A that has shipped a recorded attack,
/// and the incident it produced. Town B gets objects of its own so that lists are not trivially empty.
/// </summary>
public sealed class AttackScenario : IAsyncDisposable
{
    private AttackScenario(CloudFixture cloud) => Cloud = cloud;

    public CloudFixture Cloud { get; }

    public ApiClient Operator { get; private set; } = null!;

    public ApiClient AdminA { get; private set; } = null!;

    public ApiClient AdminB { get; private set; } = null!;

    public Guid AdminAId { get; private set; }

    public Guid AdminBId { get; private set; }

    public EnrollResponseInfo DeviceA { get; private set; } = null!;

    public EnrollResponseInfo DeviceB { get; private set; } = null!;

    public string RuleId { get; private set; } = "";

    public JsonObject IncidentA { get; private set; } = null!;

    public static async Task<AttackScenario> StartAsync(Func<Yamori.Server.Hosting.ServerOptions, Yamori.Server.Hosting.ServerOptions>? configure = null, Func<AttackScenario, Task>? beforeAttack = null)
    {
        string rules = Path.Combine(RecordedAttacks.Root!, "rules", "windows", "process_creation");
        var scenario = new AttackScenario(await CloudFixture.StartAsync(rules: [rules], configure: configure));
        await scenario.SetUpAsync(beforeAttack);
        return scenario;
    }

    /// <summary>Ships events from an enrolled agent as one batch and waits for its ack.</summary>
    public static async Task ShipAsync(TestAgent agent, Uri agentUri, ulong sequence, IEnumerable<Event> events)
    {
        using GrpcChannel channel = agent.OpenChannel(agentUri);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
        var batch = new EventBatch { Sequence = sequence };
        batch.Events.AddRange(events);
        await call.RequestStream.WriteAsync(new AgentMessage { Batch = batch });
        await TestAgent.WaitForAckAsync(call.ResponseStream, sequence, cts.Token);
        await call.RequestStream.CompleteAsync();
    }

    /// <summary>Polls the incident list as <paramref name="client"/> until one appears (detection runs after the ack).</summary>
    public static async Task<JsonObject> WaitForIncidentAsync(ApiClient client)
    {
        for (int i = 0; i < 300; i++)
        {
            if ((await client.GetAsync("api/v1/incidents"))!["items"]!.AsArray() is { Count: > 0 } items)
            {
                return items[0]!.AsObject();
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no incident appeared within 30 s");
    }

    public async ValueTask DisposeAsync()
    {
        Operator?.Dispose();
        AdminA?.Dispose();
        AdminB?.Dispose();
        await Cloud.DisposeAsync();
    }

    private async Task SetUpAsync(Func<AttackScenario, Task>? beforeAttack)
    {
        Operator = await ApiClient.SignInOperatorAsync(Cloud);
        (AdminA, AdminAId) = await ApiClient.CreateTownUserAsync(Cloud, Operator, "karuizawa-admin", "town-admin", Cloud.TownA.Id.Value);
        (AdminB, AdminBId) = await ApiClient.CreateTownUserAsync(Cloud, Operator, "obuse-admin", "town-admin", Cloud.TownB.Id.Value);
        if (beforeAttack is not null)
        {
            await beforeAttack(this);
        }

        (IReadOnlyList<Event> attack, string ruleId) = RecordedAttacks.Load("process_creation", "proc_creation_win_certutil_download");
        RuleId = ruleId;
        DeviceA = await EnrollThroughApiAsync(AdminA, Cloud.TownA.Id.Value, Cloud.SegmentA.Id.Value, "karuizawa-pc-01", attack);
        DeviceB = await EnrollThroughApiAsync(AdminB, Cloud.TownB.Id.Value, Cloud.SegmentB.Id.Value, "obuse-pc-01", [TestAgent.Batch(1, 1).Batch.Events[0]]);
        IncidentA = await WaitForIncidentAsync(AdminA);
    }

    /// <summary>The town admin creates a token through the API, an agent enrolls with it and ships <paramref name="events"/>.</summary>
    private async Task<EnrollResponseInfo> EnrollThroughApiAsync(ApiClient admin, Guid tenant, Guid segment, string hostname, IEnumerable<Event> events)
    {
        JsonObject token = await admin.PostAsync($"api/v1/tenants/{tenant}/enrollment-tokens", new { segmentId = segment, lifetimeHours = 1, maxUses = 1 });
        using X509Certificate2 ca = Cloud.Get<CloudCertificateAuthority>().Certificate;
        Assert.Equal(ca.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), (string?)token["caSha256"]);
        var agent = new TestAgent(X509CertificateLoader.LoadCertificate(ca.RawData));
        var identity = await agent.EnrollAsync(Cloud.ApiUri, (string)token["secret"]!, hostname);
        await ShipAsync(agent, Cloud.AgentUri, 1, events);
        return new EnrollResponseInfo(Guid.Parse(identity.DeviceId), agent);
    }
}

/// <summary>An enrolled device and the agent that speaks for it.</summary>
public sealed record EnrollResponseInfo(Guid DeviceId, TestAgent Agent);
