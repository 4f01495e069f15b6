namespace Yamori.Cloud.Tenancy;

/// <summary>
/// Tenants, their segments and their devices. Reads return only what the scope allows (an object
/// of another tenant reads as absent, which the API turns into 404); writes go only to a tenant
/// the scope allows, and never move an object from one tenant to another.
/// </summary>
public interface ITenancyStore
{
    /// <summary>Registers a municipality. Only the prefecture (all-tenant scope) may.</summary>
    /// <exception cref="TenantScopeException">The scope is a single tenant.</exception>
    /// <exception cref="InvalidOperationException">The municipality code or id is already registered.</exception>
    ValueTask CreateTenantAsync(TenantScope scope, Tenant tenant, CancellationToken cancellationToken = default);

    ValueTask<Tenant?> GetTenantAsync(TenantScope scope, TenantId id, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<Tenant>> ListTenantsAsync(TenantScope scope, CancellationToken cancellationToken = default);

    /// <exception cref="TenantScopeException">The segment's tenant is outside the scope, or its id belongs to another tenant.</exception>
    ValueTask UpsertSegmentAsync(TenantScope scope, Segment segment, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<Segment>> ListSegmentsAsync(TenantScope scope, CancellationToken cancellationToken = default);

    /// <exception cref="TenantScopeException">
    /// The device's tenant is outside the scope, its id belongs to another tenant, or its segment does.
    /// </exception>
    ValueTask UpsertDeviceAsync(TenantScope scope, Device device, CancellationToken cancellationToken = default);

    ValueTask<Device?> GetDeviceAsync(TenantScope scope, DeviceId id, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<Device>> ListDevicesAsync(TenantScope scope, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets only the isolation state (leaving health and last-seen, which heartbeats update
    /// concurrently, alone); false when the device is not visible in the scope.
    /// </summary>
    ValueTask<bool> SetIsolationAsync(TenantScope scope, DeviceId id, IsolationState state, CancellationToken cancellationToken = default);

    /// <summary>Updates what a heartbeat tells; false when the device is not visible in the scope.</summary>
    ValueTask<bool> RecordHeartbeatAsync(
        TenantScope scope,
        DeviceId id,
        DateTimeOffset seen,
        string agentVersion,
        DeviceHealth health,
        CancellationToken cancellationToken = default);
}
