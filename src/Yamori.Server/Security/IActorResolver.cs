using Yamori.Cloud.Identity;

namespace Yamori.Server.Security;

/// <summary>Turns a presented credential into the <see cref="Actor"/> it belongs to; null when it is unknown, expired or revoked.</summary>
public interface IActorResolver
{
    /// <summary>An API token (<c>ymr_…</c>).</summary>
    ValueTask<Actor?> ResolveApiTokenAsync(string token, string? remoteAddress, CancellationToken cancellationToken);

    /// <summary>A sign-in session token.</summary>
    ValueTask<Actor?> ResolveSessionAsync(string token, string? remoteAddress, CancellationToken cancellationToken);
}
