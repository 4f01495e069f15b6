using System.Net;
using System.Text.Json.Nodes;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>
/// The SOC's path end to end through the real host: a recorded attack from SigmaHQ's regression
/// data, shipped by an enrolled agent over mutual TLS, becomes an alert and an incident that a
/// signed-in analyst works through the REST API, with every step in the audit chain.
/// </summary>
public sealed class IncidentFlowTests : IAsyncLifetime
{
    private AttackScenario? _scenario;

    public async Task InitializeAsync()
    {
        if (RecordedAttacks.Root is not null)
        {
            _scenario = await AttackScenario.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_scenario is not null)
        {
            await _scenario.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Recorded_attack_becomes_an_incident_with_alert_timeline_and_process_tree()
    {
        Skip.If(_scenario is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        AttackScenario s = _scenario!;
        string id = (string)s.IncidentA["id"]!;
        Assert.Equal(s.Cloud.TownA.Id.Value.ToString(), (string?)s.IncidentA["tenantId"]);
        Assert.Equal("new", (string?)s.IncidentA["status"]);
        Assert.Equal("新規", (string?)s.IncidentA["statusLabel"]);

        JsonNode detail = (await s.AdminA.GetAsync($"api/v1/incidents/{id}"))!;
        JsonArray alerts = detail["alerts"]!.AsArray();
        Assert.Contains(alerts, a => (string?)a!["ruleId"] == s.RuleId);
        JsonNode alert = alerts.First(a => (string?)a!["ruleId"] == s.RuleId)!;
        Assert.Equal(s.DeviceA.DeviceId.ToString(), (string?)alert["deviceId"]);
        Assert.Contains("T1105", alert["techniques"]!.AsArray().Select(t => (string?)t));
        Assert.NotEmpty(alert["eventIds"]!.AsArray());

        JsonArray timeline = (await s.AdminA.GetAsync($"api/v1/incidents/{id}/timeline"))!.AsArray();
        Assert.Contains(timeline, e => (string?)e!["kind"] == "event" && ((string?)e["event"]!["fields"]!["CommandLine"] ?? "").Contains("certutil", StringComparison.OrdinalIgnoreCase));

        JsonNode tree = (await s.AdminA.GetAsync($"api/v1/incidents/{id}/process-tree"))!;
        Assert.True((int)tree["nodeCount"]! >= 1);
        Assert.Contains("certutil", tree.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task Analyst_works_the_incident_and_every_step_is_audited()
    {
        Skip.If(_scenario is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        AttackScenario s = _scenario!;
        string id = (string)s.IncidentA["id"]!;

        JsonObject assigned = await s.Operator.PostAsync($"api/v1/incidents/{id}/assignee", new { assignee = "operator" });
        Assert.Equal("operator", (string?)assigned["assignee"]);
        JsonObject investigating = await s.Operator.PostAsync($"api/v1/incidents/{id}/status", new { status = "investigating", note = "確認中" });
        Assert.Equal("調査中", (string?)investigating["statusLabel"]);
        await s.Operator.PostAsync($"api/v1/incidents/{id}/comments", new { text = "certutil によるダウンロードを確認" });

        // The workflow table is enforced: 調査中 cannot go back to 新規.
        using (HttpResponseMessage back = await s.Operator.SendAsync(HttpMethod.Post, $"api/v1/incidents/{id}/status", new { status = "new" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, back.StatusCode);
        }

        // Town B sees nothing of it, not even that it exists.
        using (HttpResponseMessage foreign = await s.AdminB.SendAsync(HttpMethod.Get, $"api/v1/incidents/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        }

        Assert.DoesNotContain(id, (await s.AdminB.GetAsync("api/v1/incidents"))!.ToJsonString(), StringComparison.Ordinal);

        JsonObject resolved = await s.Operator.PostAsync($"api/v1/incidents/{id}/status", new { status = "resolved", note = "端末を隔離し復旧" });
        Assert.Equal("解決済み", (string?)resolved["statusLabel"]);

        JsonNode detail = (await s.Operator.GetAsync($"api/v1/incidents/{id}"))!;
        string[] path = detail["transitions"]!.AsArray().Select(t => (string)t!["to"]!).ToArray();
        Assert.Equal(["new", "investigating", "resolved"], path);
        Assert.All(detail["transitions"]!.AsArray(), t => Assert.NotNull((string?)t!["at"]));

        JsonArray audit = (await s.Operator.GetAsync("api/v1/audit?action=incident"))!["items"]!.AsArray();
        Assert.Equal(["incident.assign", "incident.status", "incident.comment", "incident.status"], audit.Select(e => (string)e!["action"]!));
        JsonNode lastStatus = audit[^1]!;
        Assert.Contains("\"investigating\"", (string?)lastStatus["before"], StringComparison.Ordinal);
        Assert.Contains("\"resolved\"", (string?)lastStatus["after"], StringComparison.Ordinal);

        // Town A's admin sees its own town's entries; town B's admin sees none of them.
        Assert.NotEmpty((await s.AdminA.GetAsync("api/v1/audit?action=incident"))!["items"]!.AsArray());
        Assert.Empty((await s.AdminB.GetAsync("api/v1/audit?action=incident"))!["items"]!.AsArray());

        JsonObject verified = await s.Operator.PostAsync("api/v1/audit/verify", new { });
        Assert.True((bool)verified["isValid"]!);
        Assert.True((long)verified["count"]! > 5);
    }

    [SkippableFact]
    public async Task Sign_in_refuses_a_wrong_code_and_a_viewer_cannot_change_incidents()
    {
        Skip.If(_scenario is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        AttackScenario s = _scenario!;
        (ApiClient viewer, _) = await ApiClient.CreateTownUserAsync(s.Cloud, s.AdminA, "karuizawa-viewer", "town-viewer", s.Cloud.TownA.Id.Value);
        using (viewer)
        {
            string id = (string)s.IncidentA["id"]!;
            Assert.NotNull(await viewer.GetAsync($"api/v1/incidents/{id}"));
            using HttpResponseMessage refused = await viewer.SendAsync(HttpMethod.Post, $"api/v1/incidents/{id}/status", new { status = "investigating" });
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // The refusal is in town A's audit log, with the route and the reason.
        JsonArray refusals = (await s.AdminA.GetAsync("api/v1/audit?action=api.refused"))!["items"]!.AsArray();
        JsonNode entry = Assert.Single(refusals)!;
        Assert.Equal("karuizawa-viewer", (string?)entry["actorName"]);
        Assert.Equal("POST /api/v1/incidents/{incidentId:guid}/status", (string?)entry["targetId"]);

        using HttpClient anonymous = ApiClient.Anonymous(s.Cloud);
        using HttpResponseMessage noAuth = await anonymous.GetAsync("api/v1/incidents");
        Assert.Equal(HttpStatusCode.Unauthorized, noAuth.StatusCode);
        using HttpResponseMessage badToken = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/v1/incidents") { Headers = { { "Authorization", "Bearer ymr_forged" } } });
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
    }
}
