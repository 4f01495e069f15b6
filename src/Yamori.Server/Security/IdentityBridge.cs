using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Agents;

namespace Yamori.Server.Security;

/// <summary>Resolves API credentials through the identity services.</summary>
internal sealed class IdentityActorResolver(SignInService signIn, ApiTokenService apiTokens, TimeProvider time) : IActorResolver
{
    public ValueTask<Actor?> ResolveApiTokenAsync(string token, string? remoteAddress, CancellationToken cancellationToken) =>
        apiTokens.ValidateApiTokenAsync(token, remoteAddress, time.GetUtcNow(), cancellationToken);

    public ValueTask<Actor?> ResolveSessionAsync(string token, string? remoteAddress, CancellationToken cancellationToken) =>
        signIn.ValidateSessionAsync(token, remoteAddress, time.GetUtcNow(), cancellationToken: cancellationToken);
}

/// <summary>
/// The API's and the agent endpoint's writes to the hash-chained audit log. Before/after are
/// serialized as JSON with the API's own shapes (the DTOs), which carry no secrets.
/// </summary>
internal sealed class AuditRecorder(IAuditLog audit) : IChangeRecorder, IAgentRefusalRecorder
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async ValueTask RecordAsync(HttpContext http, string action, TenantId? tenant, string targetType, string targetId, object? before, object? after, CancellationToken cancellationToken) =>
        await audit.AppendAsync(
            AuditRecord.For(http.Actor(), action, AuditOutcome.Succeeded, tenant, targetType, targetId, Serialize(before), Serialize(after)),
            cancellationToken);

    public async ValueTask RecordRefusalAsync(HttpContext http, string reason, CancellationToken cancellationToken)
    {
        if (http.Features.Get<Actor>() is not { } actor)
        {
            return;
        }

        string route = $"{http.Request.Method} {(http.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value}";
        await audit.AppendAsync(AuditRecord.For(actor, "api.refused", AuditOutcome.Denied, actor.Tenant, "route", route, detail: reason), cancellationToken);
    }

    public async ValueTask RecordAsync(string remoteAddress, DeviceBinding? claimed, string refusal, string detail, CancellationToken cancellationToken)
    {
        // The claimed identity is only a claim: recorded as such, under the tenant it named.
        string who = claimed is { } b ? $"device:{b.Device}" : "device:unknown";
        await audit.AppendAsync(
            new AuditRecord(who, who, ActorKind.System, null, claimed?.Tenant, "agent.connect", "device", claimed?.Device.ToString(), AuditOutcome.Denied, remoteAddress, Detail: $"{refusal}: {detail}"),
            cancellationToken);
    }

    private static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), Json);
}
