using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

/// <summary>
/// Tenant isolation against every endpoint the app has: the routes come from the app's own route
/// table, so a new endpoint cannot escape this test (an unknown route fails it until someone says
/// how to call it). Town B's admin calls each route with town A's real object ids (and bodies that
/// name town A) and must get 404 — the same answer as for an id that never existed — and list
/// endpoints must not show any of town A's objects.
/// </summary>
public sealed class CrossTenantRouteTests : IAsyncLifetime
{
    /// <summary>Routes that hold no tenant data (sign-in, enrollment bootstrap, the global rule catalogue, documents).</summary>
    private static readonly HashSet<string> Global =
    [
        "POST /api/v1/auth/signin", "POST /api/v1/auth/totp", "POST /api/v1/auth/signout", "GET /api/v1/auth/me", "POST /api/v1/auth/password",
        "POST /api/v1/enroll", "GET /api/v1/ca", "GET /api/v1/rules/", "GET /api/v1/rules/{ruleId}",
        "GET /healthz", "GET /openapi/{documentName}.json",

        // The console's sign-in, password and language pages and its sign-out act on the caller only;
        // the rule catalogue page is global like the API's.
        "GET /signin", "GET /password", "POST /signout", "GET /lang/{code}", "GET /rules/{RuleId}", "GET /not-found",
    ];

    /// <summary>Console pages name their object {Id}; what it is follows from the page's area.</summary>
    private static readonly Dictionary<string, string> ConsoleIds = new(StringComparer.Ordinal)
    {
        ["/incidents/"] = "incidentId",
        ["/devices/"] = "deviceId",
        ["/tenants/"] = "tenantId",
        ["/rules/"] = "ruleId",
    };

    private AttackScenario? _scenario;
    private Dictionary<string, string> _ids = [];
    private Dictionary<string, object> _bodies = [];

    public async Task InitializeAsync()
    {
        if (RecordedAttacks.Root is not null)
        {
            _scenario = await AttackScenario.StartAsync();
            await PrepareTownAObjectsAsync(_scenario);
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
    public async Task Every_endpoint_answers_town_B_with_404_for_town_A_objects()
    {
        Skip.If(_scenario is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        AttackScenario s = _scenario!;
        var checkedRoutes = new List<string>();
        var failures = new List<string>();
        foreach ((string method, RoutePattern pattern, bool page) in Routes(s))
        {
            string key = $"{method} {pattern.RawText}";
            if (Global.Contains(key) || Global.Contains($"{method} {Normalized(pattern.RawText!)}") || pattern.RawText!.StartsWith("/yamori.agent.v1.", StringComparison.Ordinal) ||

                // The console's live connection carries only what its pages read, and the pages are checked here.
                pattern.RawText.StartsWith("/_blazor", StringComparison.Ordinal) ||

                // A page's POST dispatches only the forms that page renders server-side (sign-in and
                // password, which are global); its data is what its GET shows, checked below.
                (page && method == "POST"))
            {
                continue;
            }

            checkedRoutes.Add(key);
            if (pattern.Parameters.Count == 0)
            {
                await CheckCollectionAsync(s, method, pattern.RawText!, key, failures);
                continue;
            }

            string? path = Substitute(pattern, key, failures);
            if (path is null)
            {
                continue;
            }

            _bodies.TryGetValue(key, out object? body);
            if (body is null && method is "POST" or "PUT")
            {
                failures.Add($"{key}: no request body known; add one to the test so the route is checked with a valid request");
                continue;
            }

            using HttpResponseMessage response = await s.AdminB.SendAsync(new HttpMethod(method), path.TrimStart('/'), body);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                failures.Add($"{key} as town B with town A's ids: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(checkedRoutes.Count >= 25, $"only {checkedRoutes.Count} routes were checked: {string.Join(", ", checkedRoutes)}");

        // And town A's objects are all still there, unchanged by town B's attempts.
        Assert.NotNull(await s.AdminA.GetAsync($"api/v1/incidents/{(string)s.IncidentA["id"]!}"));
        Assert.NotNull(await s.AdminA.GetAsync($"api/v1/devices/{s.DeviceA.DeviceId}"));
        Assert.NotNull(await s.AdminA.GetAsync($"api/v1/users/{s.AdminAId}"));
    }

    /// <summary>Routes without ids: lists must not leak town A, creations naming town A must be refused.</summary>
    private async Task CheckCollectionAsync(AttackScenario s, string method, string route, string key, List<string> failures)
    {
        if (method == "GET")
        {
            using HttpResponseMessage response = await s.AdminB.SendAsync(HttpMethod.Get, route.TrimStart('/'));
            string text = await response.Content.ReadAsStringAsync();
            foreach ((string name, string id) in _ids)
            {
                if (text.Contains(id, StringComparison.OrdinalIgnoreCase))
                {
                    failures.Add($"{key} shows town A's {name} {id} to town B");
                }
            }

            return;
        }

        if (!_bodies.TryGetValue(key, out object? body))
        {
            failures.Add($"{key}: no request body known; add one that names town A's objects");
            return;
        }

        using HttpResponseMessage created = await s.AdminB.SendAsync(new HttpMethod(method), route.TrimStart('/'), body);
        if (created.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Forbidden))
        {
            failures.Add($"{key} naming town A as town B: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }
    }

    private string? Substitute(RoutePattern pattern, string key, List<string> failures)
    {
        string path = pattern.RawText!;
        foreach (RoutePatternParameterPart parameter in pattern.Parameters)
        {
            string name = parameter.Name;

            // The same parameter name can mean different objects on different routes.
            string lookup = name == "tokenId" && path.Contains("enrollment-tokens", StringComparison.Ordinal) ? "enrollmentTokenId"
                : name == "Id" && ConsoleIds.FirstOrDefault(c => path.StartsWith(c.Key, StringComparison.Ordinal)).Value is { } consoleId ? consoleId
                : name;
            if (!_ids.TryGetValue(lookup, out string? value))
            {
                failures.Add($"{key}: no town A object known for {{{name}}}; add one to the test");
                return null;
            }

            path = path.Replace(RouteText(parameter), value, StringComparison.Ordinal);
        }

        return path;
    }

    private static string RouteText(RoutePatternParameterPart p) =>
        "{" + p.Name + string.Concat(p.ParameterPolicies.Select(x => ":" + x.Content)) + "}";

    /// <summary>Every route with its methods, and whether it is a console page (a Razor component).</summary>
    private static IEnumerable<(string Method, RoutePattern Pattern, bool Page)> Routes(AttackScenario s)
    {
        foreach (EndpointDataSource source in ((IEndpointRouteBuilder)s.Cloud.App).DataSources)
        {
            foreach (RouteEndpoint endpoint in source.Endpoints.OfType<RouteEndpoint>())
            {
                bool page = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null;
                foreach (string method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                {
                    yield return (method, endpoint.RoutePattern, page);
                }
            }
        }
    }

    /// <summary>A console route's constraint-free form (<c>/rules/{Id}</c>), for the global list.</summary>
    private static string Normalized(string route) => System.Text.RegularExpressions.Regex.Replace(route, @"\{(\w+):[^}]+\}", "{$1}");

    private async Task PrepareTownAObjectsAsync(AttackScenario s)
    {
        string incident = (string)s.IncidentA["id"]!;
        JsonNode detail = (await s.AdminA.GetAsync($"api/v1/incidents/{incident}"))!;
        string alert = (string)detail["alerts"]![0]!["id"]!;
        JsonObject apiToken = await s.AdminA.PostAsync("api/v1/api-tokens", new { name = "karuizawa-automation", role = "town-viewer", tenantId = s.Cloud.TownA.Id.Value });
        JsonArray enrollmentTokens = (await s.AdminA.GetAsync($"api/v1/tenants/{s.Cloud.TownA.Id.Value}/enrollment-tokens"))!.AsArray();
        JsonObject filter = await s.AdminA.PostAsync($"api/v1/tenants/{s.Cloud.TownA.Id.Value}/rule-filters", new
        {
            yaml = $"""
                title: 軽井沢町 backup job
                filter:
                  rules:
                    - {s.RuleId}
                  selection:
                    User: 'KARUIZAWA\backup'
                  condition: not selection
                """,
        });

        JsonObject command = await s.Operator.PostAsync($"api/v1/devices/{s.DeviceA.DeviceId}/commands", new { kind = "query", args = new Dictionary<string, string> { ["name"] = "processes" } });
        JsonObject contact = await s.AdminA.PostAsync($"api/v1/tenants/{s.Cloud.TownA.Id.Value}/contacts", new { name = "軽井沢町 情報政策係", email = "joho@town.karuizawa.example.lg.jp" });

        _ids = new Dictionary<string, string>
        {
            ["commandId"] = (string)command["id"]!,
            ["contactId"] = (string)contact["id"]!,
            ["tenantId"] = s.Cloud.TownA.Id.Value.ToString(),
            ["segmentId"] = s.Cloud.SegmentA.Id.Value.ToString(),
            ["deviceId"] = s.DeviceA.DeviceId.ToString(),
            ["incidentId"] = incident,
            ["alertId"] = alert,
            ["userId"] = s.AdminAId.ToString(),
            ["tokenId"] = (string)apiToken["token"]!["id"]!,
            ["enrollmentTokenId"] = (string)enrollmentTokens[0]!["id"]!,
            ["filterId"] = (string)filter["id"]!,
            ["ruleId"] = s.RuleId,
        };

        // Valid requests, so that a 404 means "not yours", not "malformed".
        Guid townA = s.Cloud.TownA.Id.Value;
        _bodies = new Dictionary<string, object>
        {
            ["POST /api/v1/tenants/"] = new { code = "203220", name = "御代田町", retentionDays = 90 },
            ["PUT /api/v1/tenants/{tenantId:guid}/segments/{segmentId:guid}"] = new { kind = "Lgwan", name = "乗っ取り", cidrs = new[] { "10.9.0.0/16" } },
            ["POST /api/v1/devices/{deviceId:guid}/revoke"] = new { reason = "not yours" },
            ["POST /api/v1/tenants/{tenantId:guid}/enrollment-tokens/"] = new { segmentId = s.Cloud.SegmentA.Id.Value, lifetimeHours = 1, maxUses = 1 },
            ["POST /api/v1/incidents/{incidentId:guid}/status"] = new { status = "falsePositive" },
            ["POST /api/v1/incidents/{incidentId:guid}/assignee"] = new { assignee = "obuse-admin" },
            ["POST /api/v1/incidents/{incidentId:guid}/comments"] = new { text = "見えてはいけない" },
            ["POST /api/v1/users/"] = new { login = "intruder", displayName = "intruder", role = "town-admin", tenantId = townA },
            ["POST /api/v1/users/{userId:guid}/disable"] = new { },
            ["POST /api/v1/users/{userId:guid}/enable"] = new { },
            ["POST /api/v1/users/{userId:guid}/reset-password"] = new { },
            ["POST /api/v1/users/{userId:guid}/reset-totp"] = new { },
            ["PUT /api/v1/users/{userId:guid}/role"] = new { role = "town-viewer", tenantId = townA },
            ["POST /api/v1/api-tokens/"] = new { name = "intruder", role = "town-admin", tenantId = townA },
            ["POST /api/v1/audit/verify"] = new { },
            ["POST /api/v1/devices/{deviceId:guid}/commands"] = new { kind = "query", args = new Dictionary<string, string> { ["name"] = "connections" } },
            ["POST /api/v1/commands/{commandId:guid}/approve"] = new { },
            ["POST /api/v1/commands/{commandId:guid}/deny"] = new { },
            ["POST /api/v1/commands/{commandId:guid}/cancel"] = new { },
            ["PUT /api/v1/tenants/{tenantId:guid}/response-settings"] = new { requireIsolationApproval = true },
            ["POST /api/v1/tenants/{tenantId:guid}/contacts"] = new { name = "intruder", email = "intruder@example.jp" },
            ["PUT /api/v1/tenants/{tenantId:guid}/contacts/{contactId:guid}"] = new { name = "intruder", email = "intruder@example.jp" },
            ["PUT /api/v1/tenants/{tenantId:guid}/rule-settings/{ruleId}"] = new { state = "disabled" },
            ["POST /api/v1/tenants/{tenantId:guid}/rule-filters"] = new { yaml = $"title: x\nfilter:\n  rules:\n    - {s.RuleId}\n  selection:\n    User: x\n  condition: selection\n" },
        };
    }
}
