using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>The audit log (read-only) and its chain verification.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder audit = api.MapGroup("/audit").WithTags("Audit");
        audit.MapGet("/", QueryAsync).WithSummary("Audit entries visible to the caller, oldest first, keyset-paged by sequence.");
        audit.MapPost("/verify", async (IAuditLog log, CancellationToken ct) => TypedResults.Ok(await log.VerifyAsync(ct)))
            .RequireAuthorization(Policies.Soc).WithSummary("Recompute the hash chain; reports the first broken entry, if any.");
        return api;
    }

    private static async Task<IResult> QueryAsync(
        DateTimeOffset? from, DateTimeOffset? to, string? actorId, string? action, Guid? tenantId, long? after, int? limit, HttpContext http, IAuditLog log, CancellationToken ct)
    {
        AuditPage page = await log.QueryAsync(
            http.Actor().Scope,
            new AuditQuery(from, to, actorId, action, tenantId is { } t ? new TenantId(t) : null, after ?? 0, Paging.Limit(limit)),
            ct);
        return TypedResults.Ok(new Page<AuditEntryDto>(page.Entries.Select(AuditEntryDto.From).ToList(), page.NextAfterSequence?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}

public sealed record AuditEntryDto(
    long Sequence, DateTimeOffset At, string ActorId, string ActorName, string ActorKind, string? ActorRole, Guid? TenantId, string Action,
    string? TargetType, string? TargetId, string Outcome, string? RemoteAddress, string? Before, string? After, string? Detail, string Hash)
{
    public static AuditEntryDto From(AuditEntry e) => new(
        e.Sequence, e.At, e.Record.ActorId, e.Record.ActorName, e.Record.ActorKind.ToString(), e.Record.ActorRole?.ToString(), e.Record.Tenant?.Value,
        e.Record.Action, e.Record.TargetType, e.Record.TargetId, e.Record.Outcome.ToString(), e.Record.RemoteAddress, e.Record.Before, e.Record.After, e.Record.Detail, e.HashHex);
}
