using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Response;

/// <summary>
/// Response commands and per-town settings. Reads outside the scope return null or empty; writes
/// outside it throw <see cref="TenantScopeException"/>. Changes are compare-and-swap on
/// <see cref="ResponseCommand.Version"/>, so concurrent transitions cannot both win.
/// </summary>
public interface IResponseStore
{
    /// <exception cref="TenantScopeException">The command's tenant is outside the scope.</exception>
    ValueTask InsertAsync(TenantScope scope, ResponseCommand command, CancellationToken cancellationToken = default);

    ValueTask<ResponseCommand?> GetAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Newest first, keyset paged.</summary>
    /// <exception cref="ArgumentException">The cursor is malformed or the limit out of range.</exception>
    ValueTask<CommandPage> ListAsync(TenantScope scope, CommandQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="updated"/> if the stored row still has version
    /// <c>updated.Version - 1</c>; false when it changed meanwhile or is outside the scope.
    /// </summary>
    ValueTask<bool> TryUpdateAsync(TenantScope scope, ResponseCommand updated, CancellationToken cancellationToken = default);

    /// <summary>Commands of the device that are queued or delivered without result and not expired at <paramref name="now"/>, oldest first.</summary>
    ValueTask<IReadOnlyList<ResponseCommand>> ListDeliverableAsync(TenantScope scope, DeviceId device, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Open commands (awaiting approval, queued, delivered without result) whose expiry is at or before <paramref name="now"/>.</summary>
    ValueTask<IReadOnlyList<ResponseCommand>> ListExpiredOpenAsync(TenantScope scope, DateTimeOffset now, int max, CancellationToken cancellationToken = default);

    /// <summary>The tenant's settings (defaults when never set), or null when the tenant is outside the scope.</summary>
    ValueTask<ResponseTenantSettings?> GetSettingsAsync(TenantScope scope, TenantId tenant, CancellationToken cancellationToken = default);

    /// <exception cref="TenantScopeException">The tenant is outside the scope.</exception>
    ValueTask SetSettingsAsync(TenantScope scope, ResponseTenantSettings settings, DateTimeOffset now, CancellationToken cancellationToken = default);
}
