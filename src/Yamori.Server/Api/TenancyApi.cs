using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>Municipalities and their three-layer network segments.</summary>
public static class TenancyApi
{
    public static RouteGroupBuilder MapTenancyApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder tenants = api.MapGroup("/tenants").WithTags("Tenants");
        tenants.MapGet("/", ListAsync).WithSummary("Municipalities visible to the caller.");
        tenants.MapGet("/{tenantId:guid}", GetAsync).WithSummary("One municipality.");
        tenants.MapPost("/", CreateAsync).RequireAuthorization(Policies.SocAdmin).WithSummary("Register a municipality (soc-admin).");
        tenants.MapGet("/{tenantId:guid}/segments", ListSegmentsAsync).WithSummary("The municipality's network segments with their CIDRs.");
        tenants.MapPut("/{tenantId:guid}/segments/{segmentId:guid}", PutSegmentAsync).RequireAuthorization(Policies.Admin).WithSummary("Create or change a segment.");
        return api;
    }

    /// <summary>The tenant when the caller may see it; the 404 for one it may not is indistinguishable from a missing one.</summary>
    internal static async ValueTask<Tenant?> VisibleTenantAsync(HttpContext http, ITenancyStore tenancy, Guid tenantId, CancellationToken ct) =>
        await tenancy.GetTenantAsync(http.Actor().Scope, new TenantId(tenantId), ct);

    private static async Task<IResult> ListAsync(HttpContext http, ITenancyStore tenancy, CancellationToken ct) =>
        TypedResults.Ok((await tenancy.ListTenantsAsync(http.Actor().Scope, ct)).Select(TenantDto.From).ToList());

    private static async Task<IResult> GetAsync(Guid tenantId, HttpContext http, ITenancyStore tenancy, CancellationToken ct) =>
        await VisibleTenantAsync(http, tenancy, tenantId, ct) is { } tenant ? TypedResults.Ok(TenantDto.From(tenant)) : Problems.NotFound();

    private static async Task<IResult> CreateAsync(CreateTenantRequest request, HttpContext http, ITenancyStore tenancy, IChangeRecorder changes, TimeProvider time, CancellationToken ct)
    {
        if (!MunicipalityCode.TryParse(request.Code, out MunicipalityCode code, out string? error))
        {
            return Problems.Validation($"code: {error}");
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.RetentionDays is < 1 or > 3650)
        {
            return Problems.Validation("name is required and retentionDays must be 1–3650");
        }

        var tenant = new Tenant(TenantId.New(), code, request.Name.Trim(), request.RetentionDays, time.GetUtcNow());
        try
        {
            await tenancy.CreateTenantAsync(http.Actor().Scope, tenant, ct);
        }
        catch (InvalidOperationException ex)
        {
            return Problems.Conflict(ex.Message);
        }

        TenantDto dto = TenantDto.From(tenant);
        await changes.RecordAsync(http, "tenant.create", tenant.Id, "tenant", tenant.Id.ToString(), null, dto, ct);
        return TypedResults.Created($"/api/v1/tenants/{tenant.Id}", dto);
    }

    private static async Task<IResult> ListSegmentsAsync(Guid tenantId, HttpContext http, ITenancyStore tenancy, CancellationToken ct)
    {
        if (await VisibleTenantAsync(http, tenancy, tenantId, ct) is null)
        {
            return Problems.NotFound();
        }

        IReadOnlyList<Segment> segments = await tenancy.ListSegmentsAsync(TenantScope.For(new TenantId(tenantId)), ct);
        return TypedResults.Ok(segments.Select(SegmentDto.From).ToList());
    }

    private static async Task<IResult> PutSegmentAsync(Guid tenantId, Guid segmentId, PutSegmentRequest request, HttpContext http, ITenancyStore tenancy, IChangeRecorder changes, CancellationToken ct)
    {
        Actor actor = http.Actor();
        if (await VisibleTenantAsync(http, tenancy, tenantId, ct) is null)
        {
            return Problems.NotFound();
        }

        if (!Enum.TryParse(request.Kind, ignoreCase: true, out SegmentKind kind) || !Enum.IsDefined(kind) || string.IsNullOrWhiteSpace(request.Name))
        {
            return Problems.Validation("kind must be MyNumber, Lgwan or Internet, and name is required");
        }

        var cidrs = new List<IPNetwork>();
        foreach (string text in request.Cidrs ?? [])
        {
            if (!IPNetwork.TryParse(text, out IPNetwork network))
            {
                return Problems.Validation($"cidrs: '{text}' is not a CIDR such as 10.0.0.0/16");
            }

            cidrs.Add(network);
        }

        TenantScope scope = TenantScope.For(new TenantId(tenantId));
        Segment? before = (await tenancy.ListSegmentsAsync(scope, ct)).FirstOrDefault(s => s.Id.Value == segmentId);
        var segment = new Segment(new SegmentId(segmentId), new TenantId(tenantId), kind, request.Name.Trim(), cidrs);
        try
        {
            await tenancy.UpsertSegmentAsync(actor.Scope, segment, ct);
        }
        catch (TenantScopeException)
        {
            // The id belongs to another tenant's segment: as absent as anything else of theirs.
            return Problems.NotFound();
        }

        await changes.RecordAsync(http, "segment.put", segment.Tenant, "segment", segment.Id.ToString(), before is null ? null : SegmentDto.From(before), SegmentDto.From(segment), ct);
        return TypedResults.Ok(SegmentDto.From(segment));
    }
}

public sealed record TenantDto(Guid Id, string Code, string Name, int RetentionDays, DateTimeOffset CreatedAt)
{
    public static TenantDto From(Tenant t) => new(t.Id.Value, t.Code.Value, t.Name, t.EventRetentionDays, t.CreatedAt);
}

public sealed record SegmentDto(Guid Id, Guid TenantId, string Kind, string Name, IReadOnlyList<string> Cidrs)
{
    public static SegmentDto From(Segment s) => new(s.Id.Value, s.Tenant.Value, s.Kind.ToString(), s.Name, s.Cidrs.Select(c => c.ToString()).ToList());
}

public sealed record CreateTenantRequest(string Code, string Name, int RetentionDays = 180);

public sealed record PutSegmentRequest(string Kind, string Name, IReadOnlyList<string>? Cidrs);
