using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Health;

/// <summary>
/// An agent's latest self-report. Drops are cumulative since the agent's install, by reason, so a
/// lost heartbeat loses no count and the cloud sees every dropped event as a difference.
/// </summary>
public sealed record AgentReport(
    TenantId Tenant,
    DeviceId Device,
    DateTimeOffset ReceivedAt,
    string AgentVersion,
    ulong SpoolEvents,
    ulong SpoolBytes,
    IReadOnlyDictionary<string, ulong> Dropped,
    double CpuPercent,
    ulong RssBytes)
{
    public ulong DroppedTotal
    {
        get
        {
            ulong total = 0;
            foreach (ulong n in Dropped.Values)
            {
                total += n;
            }

            return total;
        }
    }
}

/// <summary>The latest report per device; tenant-scoped like every store.</summary>
public interface IAgentReportStore
{
    /// <summary>Stores <paramref name="report"/> in place of the device's previous one.</summary>
    /// <exception cref="TenantScopeException">The report's tenant is outside the scope.</exception>
    ValueTask ReplaceAsync(TenantScope scope, AgentReport report, CancellationToken cancellationToken = default);

    ValueTask<AgentReport?> GetAsync(TenantScope scope, DeviceId device, CancellationToken cancellationToken = default);
}
