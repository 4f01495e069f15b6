using System.Net;
using System.Text.Json.Nodes;
using Grpc.Net.Client;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Tests.Notifications;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>
/// Response commands travel the agent's own mTLS stream and come back with results; incidents
/// notify the town's contacts by e-mail (a real SMTP conversation with a loopback sink) and by a
/// signed webhook, and every delivery is recorded.
/// </summary>
public sealed class ResponseAndNotificationTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly SmtpSink _smtp = new();
    private readonly WebhookReceiver _webhook = new();
    private AttackScenario? _scenario;

    public async Task InitializeAsync()
    {
        if (RecordedAttacks.Root is null)
        {
            return;
        }

        _scenario = await AttackScenario.StartAsync(
            options => options with { Smtp = new SmtpOptions { Host = "127.0.0.1", Port = _smtp.Port, From = "soc@pref.example.lg.jp", FromName = "Yamori SOC" } },
            async s => await s.AdminA.PostAsync($"api/v1/tenants/{s.Cloud.TownA.Id.Value}/contacts", new
            {
                name = "軽井沢町 情報政策係",
                email = "joho@town.karuizawa.example.lg.jp",
                webhookUrl = _webhook.Url(),
                webhookSecret = "karuizawa-webhook-secret-0123456789",
                minimumSeverity = "low",
            }));
    }

    public async Task DisposeAsync()
    {
        if (_scenario is not null)
        {
            await _scenario.DisposeAsync();
        }

        await _smtp.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    [SkippableFact]
    public async Task Isolation_is_delivered_on_the_stream_and_its_result_isolates_the_device()
    {
        Skip.If(_scenario is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        AttackScenario s = _scenario!;
        string incident = (string)s.IncidentA["id"]!;

        // The agent is connected and waiting when the analyst orders the isolation: it is pushed at once.
        using GrpcChannel channel = s.DeviceA.Agent.OpenChannel(s.Cloud.AgentUri);
        using var cts = new CancellationTokenSource(Timeout);
        using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token)); // the watermark ack: connected

        JsonObject ordered = await s.Operator.PostAsync($"api/v1/devices/{s.DeviceA.DeviceId}/commands", new { kind = "isolate", incidentId = incident });
        Assert.Equal("queued", (string?)ordered["state"]);

        Command command = await NextCommandAsync(call.ResponseStream, cts.Token);
        Assert.Equal((string)ordered["id"]!, command.Id);
        Assert.Equal(CommandKind.Isolate, command.Kind);
        Assert.True(command.ExpiresAt.ToDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal("Isolating", (string?)(await s.AdminA.GetAsync($"api/v1/devices/{s.DeviceA.DeviceId}"))!["isolation"]);

        await call.RequestStream.WriteAsync(new AgentMessage
        {
            CommandResult = new CommandResult { CommandId = command.Id, Status = CommandStatus.Succeeded, Message = "nftables table yamori_isolation installed" },
        });
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(cts.Token))
        {
        }

        JsonNode done = await PollAsync(s.Operator, $"api/v1/commands/{command.Id}", n => (string?)n["state"] == "succeeded");
        Assert.Equal("nftables table yamori_isolation installed", (string?)done["result"]!["message"]);
        Assert.Equal("Isolated", (string?)(await s.AdminA.GetAsync($"api/v1/devices/{s.DeviceA.DeviceId}"))!["isolation"]);

        // The result is attached to the incident, and town B cannot see the command.
        JsonArray forIncident = (await s.AdminA.GetAsync($"api/v1/commands?incidentId={incident}"))!["items"]!.AsArray();
        Assert.Equal(command.Id, (string?)Assert.Single(forIncident)!["id"]);
        using HttpResponseMessage foreign = await s.AdminB.SendAsync(HttpMethod.Get, $"api/v1/commands/{command.Id}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);

        JsonArray audit = (await s.Operator.GetAsync("api/v1/audit?action=command"))!["items"]!.AsArray();
        Assert.Contains(audit, e => (string?)e!["action"] == "command.request" && (string?)e["targetId"] == command.Id);
    }

    [SkippableFact]
    public async Task A_town_that_requires_approval_gets_isolation_only_after_its_own_admin_approves()
    {
        Skip.If(_scenario is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        AttackScenario s = _scenario!;
        await s.AdminA.SendAsync(HttpMethod.Put, $"api/v1/tenants/{s.Cloud.TownA.Id.Value}/response-settings", new { requireIsolationApproval = true });

        JsonArray actions = (await s.AdminA.GetAsync($"api/v1/tenants/{s.Cloud.TownA.Id.Value}/response-actions"))!.AsArray();
        JsonNode isolate = actions.First(a => (string?)a!["kind"] == "isolate")!;
        Assert.False((bool)isolate["allowed"]!);
        Assert.False(string.IsNullOrEmpty((string?)isolate["reason"]));

        JsonObject ordered = await s.Operator.PostAsync($"api/v1/devices/{s.DeviceA.DeviceId}/commands", new { kind = "isolate" });
        Assert.Equal("pendingApproval", (string?)ordered["state"]);
        string id = (string)ordered["id"]!;

        using (HttpResponseMessage otherTown = await s.AdminB.SendAsync(HttpMethod.Post, $"api/v1/commands/{id}/approve", new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, otherTown.StatusCode);
        }

        JsonObject approved = await s.AdminA.PostAsync($"api/v1/commands/{id}/approve", new { });
        Assert.Equal("queued", (string?)approved["state"]);
        Assert.Equal("karuizawa-admin", (string?)approved["approvedBy"]);

        // Delivered when the device next connects.
        using GrpcChannel channel = s.DeviceA.Agent.OpenChannel(s.Cloud.AgentUri);
        using var cts = new CancellationTokenSource(Timeout);
        using var call = new AgentChannel.AgentChannelClient(channel).Connect(cancellationToken: cts.Token);
        Assert.Equal(id, (await NextCommandAsync(call.ResponseStream, cts.Token)).Id);
        await call.RequestStream.CompleteAsync();
    }

    [SkippableFact]
    public async Task The_incident_reaches_the_towns_contacts_by_mail_and_signed_webhook()
    {
        Skip.If(_scenario is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        AttackScenario s = _scenario!;
        string incident = (string)s.IncidentA["id"]!;

        SinkMessage mail = await WaitAsync(() => _smtp.Messages.FirstOrDefault(m => m.Body.Contains(incident, StringComparison.Ordinal)));
        Assert.Contains("joho@town.karuizawa.example.lg.jp", mail.To);
        Assert.Contains("千代田区", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("[Yamori]", mail.Subject, StringComparison.Ordinal);

        ReceivedRequest hook = await WaitAsync(() => _webhook.Requests.FirstOrDefault(r => r.BodyText.Contains(incident, StringComparison.Ordinal)));
        Assert.Equal(WebhookChannel.Sign("karuizawa-webhook-secret-0123456789", hook.Body), hook.Headers[WebhookChannel.SignatureHeader]);

        JsonArray attempts = (await PollAsync(s.AdminA, $"api/v1/tenants/{s.Cloud.TownA.Id.Value}/notifications", n => n.AsArray().Count >= 2)).AsArray();
        Assert.Contains(attempts, a => (string?)a!["channel"] == "email" && (string?)a["outcome"] == "succeeded");
        Assert.Contains(attempts, a => (string?)a!["channel"] == "webhook" && (string?)a["outcome"] == "succeeded");
        Assert.Empty((await s.AdminB.GetAsync($"api/v1/tenants/{s.Cloud.TownB.Id.Value}/notifications"))!.AsArray());
    }

    private static async Task<Command> NextCommandAsync(Grpc.Core.IAsyncStreamReader<CloudMessage> responses, CancellationToken ct)
    {
        while (await responses.MoveNext(ct))
        {
            if (responses.Current.BodyCase == CloudMessage.BodyOneofCase.Command)
            {
                return responses.Current.Command;
            }
        }

        throw new InvalidOperationException("stream ended without a command");
    }

    private static async Task<JsonNode> PollAsync(ApiClient client, string path, Func<JsonNode, bool> until)
    {
        for (int i = 0; i < 300; i++)
        {
            if (await client.GetAsync(path) is { } node && until(node))
            {
                return node;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{path} did not reach the expected state in 30 s");
    }

    private static async Task<T> WaitAsync<T>(Func<T?> probe)
        where T : class
    {
        for (int i = 0; i < 300; i++)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("nothing arrived within 30 s");
    }
}
