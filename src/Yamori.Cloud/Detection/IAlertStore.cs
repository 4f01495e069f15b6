using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Detection;

/// <summary>Alerts, tenant-scoped. Detection writes them through <see cref="Incidents.IIncidentStore.RecordDetectionAsync"/>, together with their incidents.</summary>
public interface IAlertStore
{
    /// <summary>The latest alert of <paramref name="device"/> and <paramref name="ruleId"/> whose last seen event is at or after <paramref name="lastSeenAtLeast"/>.</summary>
    ValueTask<Alert?> FindMergeableAsync(TenantScope scope, DeviceId device, string ruleId, DateTimeOffset lastSeenAtLeast, CancellationToken cancellationToken = default);

    ValueTask<Alert?> GetAlertAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Alerts by last seen (newest first), filtered; empty outside the scope.</summary>
    ValueTask<IReadOnlyList<Alert>> ListAlertsAsync(TenantScope scope, AlertQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Which alerts to list. <paramref name="SeenBefore"/> pages backwards: pass the last alert's last seen.</summary>
public sealed record AlertQuery(
    Guid? IncidentId = null,
    DeviceId? Device = null,
    string? RuleId = null,
    DateTimeOffset? SeenBefore = null,
    int Limit = 100);
