using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Security;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Server.Api;

/// <summary>The global rule packs, and each town's enable/disable overrides and exceptions.</summary>
public static class RulesApi
{
    public static RouteGroupBuilder MapRulesApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder rules = api.MapGroup("/rules").WithTags("Rules");
        rules.MapGet("/", List).WithSummary("Loaded rules (search in title, id and tags), paged by offset cursor.");
        rules.MapGet("/{ruleId}", (string ruleId, RuleSet set) =>
            set.Find(ruleId) is { } rule ? TypedResults.Ok(RuleDetailDto.From(rule)) : Problems.NotFound()).WithSummary("One rule with its YAML.");

        RouteGroupBuilder tenant = api.MapGroup("/tenants/{tenantId:guid}").WithTags("Rules");
        tenant.MapGet("/rule-settings", async (Guid tenantId, HttpContext http, ITenancyStore tenancy, RuleSettingsService settings, CancellationToken ct) =>
            await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null
                ? Problems.NotFound()
                : TypedResults.Ok(await settings.GetSettingsAsync(http.Actor(), new TenantId(tenantId), ct)))
            .WithSummary("The town's rule overrides and exception filters.");
        tenant.MapPut("/rule-settings/{ruleId}", SetStateAsync).RequireAuthorization(Policies.Admin).WithSummary("Enable, disable or reset (default) one rule for the town.");
        tenant.MapPost("/rule-filters", AddFilterAsync).RequireAuthorization(Policies.Admin).WithSummary("Add an exception written as a Sigma filter (YAML); errors name line and field.");
        tenant.MapDelete("/rule-filters/{filterId:guid}", RemoveFilterAsync).RequireAuthorization(Policies.Admin).WithSummary("Remove an exception.");
        return api;
    }

    private static IResult List(string? search, string? cursor, int? limit, RuleSet set)
    {
        int start = int.TryParse(cursor, out int c) && c > 0 ? c : 0;
        int take = Paging.Limit(limit);
        var items = new List<RuleDto>(take);
        int i = start;
        for (; i < set.Rules.Count && items.Count < take; i++)
        {
            SigmaRule rule = set.Rules[i];
            if (search is null || Matches(rule, search))
            {
                items.Add(RuleDto.From(rule));
            }
        }

        return TypedResults.Ok(new Page<RuleDto>(items, i < set.Rules.Count ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : null));
    }

    private static bool Matches(SigmaRule rule, string search) =>
        rule.Title.Contains(search, StringComparison.OrdinalIgnoreCase) || rule.Id.Contains(search, StringComparison.OrdinalIgnoreCase) ||
        rule.Tags.Any(t => t.Contains(search, StringComparison.OrdinalIgnoreCase));

    private static async Task<IResult> SetStateAsync(
        Guid tenantId, string ruleId, RuleStateRequest request, HttpContext http, ITenancyStore tenancy, RuleSettingsService settings, IChangeRecorder changes, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null)
        {
            return Problems.NotFound();
        }

        if (!Enum.TryParse(request.State, ignoreCase: true, out RuleState state) || !Enum.IsDefined(state))
        {
            return Problems.Validation("state must be default, enabled or disabled");
        }

        RuleStateChange change = await settings.SetRuleStateAsync(http.Actor(), new TenantId(tenantId), ruleId, state, ct);
        await changes.RecordAsync(http, "rule.state", change.Tenant, "rule", change.RuleId, new { state = change.Before }, new { state = change.After }, ct);
        return TypedResults.Ok(change);
    }

    private static async Task<IResult> AddFilterAsync(
        Guid tenantId, AddFilterRequest request, HttpContext http, ITenancyStore tenancy, RuleSettingsService settings, IChangeRecorder changes, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null)
        {
            return Problems.NotFound();
        }

        SuppressionFilter filter = await settings.AddFilterAsync(http.Actor(), new TenantId(tenantId), request.Yaml ?? "", ct);
        await changes.RecordAsync(http, "rule.filter.add", filter.Tenant, "rule-filter", filter.Id.ToString(), null, filter, ct);
        return TypedResults.Created($"/api/v1/tenants/{tenantId}/rule-filters/{filter.Id}", filter);
    }

    private static async Task<IResult> RemoveFilterAsync(
        Guid tenantId, Guid filterId, HttpContext http, ITenancyStore tenancy, RuleSettingsService settings, IChangeRecorder changes, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null
            || await settings.RemoveFilterAsync(http.Actor(), new TenantId(tenantId), filterId, ct) is not { } removed)
        {
            return Problems.NotFound();
        }

        await changes.RecordAsync(http, "rule.filter.remove", removed.Tenant, "rule-filter", filterId.ToString(), removed, null, ct);
        return TypedResults.NoContent();
    }
}

public sealed record RuleDto(string Id, string Title, string Level, string? Status, string? Product, string? Category, string? Service, IReadOnlyList<string> Techniques)
{
    public static RuleDto From(SigmaRuleBase r) => new(
        r.Id, r.Title, r.Level.ToString().ToLowerInvariant(), r.Header.Status, r.LogSource.Product, r.LogSource.Category, r.LogSource.Service, r.AttackTechniques);
}

public sealed record RuleDetailDto(RuleDto Rule, string? Description, IReadOnlyList<string> Tags, IReadOnlyList<string> References, IReadOnlyList<string> FalsePositives, string? Yaml)
{
    public static RuleDetailDto From(SigmaRuleBase r) =>
        new(RuleDto.From(r), r.Header.Description, r.Tags, r.Header.References, r.Header.FalsePositives, r.Header.Yaml);
}

public sealed record RuleStateRequest(string State);

public sealed record AddFilterRequest(string? Yaml);
