using Microsoft.AspNetCore.Http;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Server.Security;

// TEMPORARY (same session): replaced by the identity and audit areas when they are merged.
internal sealed class PendingIdentity : IActorResolver, IChangeRecorder
{
    public ValueTask<Actor?> ResolveApiTokenAsync(string token, string? remoteAddress, CancellationToken cancellationToken) => ValueTask.FromResult<Actor?>(null);

    public ValueTask<Actor?> ResolveSessionAsync(string token, string? remoteAddress, CancellationToken cancellationToken) => ValueTask.FromResult<Actor?>(null);

    public ValueTask RecordAsync(HttpContext http, string action, TenantId? tenant, string targetType, string targetId, object? before, object? after, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;
}
