using Microsoft.AspNetCore.Http;
using Yamori.Cloud.Tenancy;

namespace Yamori.Server.Security;

/// <summary>
/// Writes a person's (or token's) state change to the audit log: who and from where come from the
/// request's actor, what and before/after from the endpoint. Every mutating endpoint calls it
/// after the change succeeded; refusals are recorded by the same path with their outcome.
/// </summary>
public interface IChangeRecorder
{
    ValueTask RecordAsync(HttpContext http, string action, TenantId? tenant, string targetType, string targetId, object? before, object? after, CancellationToken cancellationToken);

    /// <summary>A request a service refused for the caller's rights (403), filed under the caller's own town.</summary>
    ValueTask RecordRefusalAsync(HttpContext http, string reason, CancellationToken cancellationToken);
}
