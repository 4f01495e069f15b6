using System.Globalization;
using System.Text;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Health;

/// <summary>
/// Keeps each agent's latest self-report and turns reported losses into evidence: events an agent
/// had to drop (spool full, collector overrun) are part of the device's history that will never
/// arrive, so the SOC gets a telemetry-integrity alert naming how many and why, and the device is
/// Degraded until a report without new losses.
/// </summary>
public sealed class AgentHealthMonitor(IAgentReportStore reports, AlertCorrelator alerts) : IHeartbeatObserver
{
    public const string DropsTitle = "Telemetry integrity: agent dropped events";

    public async ValueTask<DeviceHealth> OnHeartbeatAsync(TenantScope scope, DeviceId device, Heartbeat heartbeat, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        TenantId tenant = scope.RequireSingle();
        var report = new AgentReport(
            tenant, device, receivedAt, heartbeat.AgentVersion, heartbeat.SpoolEvents, heartbeat.SpoolBytes,
            new Dictionary<string, ulong>(heartbeat.EventsDropped, StringComparer.Ordinal), heartbeat.CpuPercent, heartbeat.RssBytes);
        AgentReport? previous = await reports.GetAsync(scope, device, cancellationToken);
        (ulong lost, string detail) = Losses(previous, report);
        if (lost > 0)
        {
            // The alert before the new counters: if it fails, the next report still shows the loss.
            await alerts.ProcessAsync(
                [new AlertCandidate(tenant, device, BuiltInRules.TelemetryIntegrityId, DropsTitle, SigmaLevel.High, [], null, receivedAt, Detail: detail)],
                cancellationToken);
        }

        await reports.ReplaceAsync(scope, report, cancellationToken);
        return lost > 0 ? DeviceHealth.Degraded : DeviceHealth.Healthy;
    }

    /// <summary>New losses since the previous report, per reason. A counter that went down means a reinstall: all of it is new.</summary>
    internal static (ulong Lost, string Detail) Losses(AgentReport? previous, AgentReport current)
    {
        ulong lost = 0;
        var detail = new StringBuilder();
        foreach ((string reason, ulong count) in current.Dropped.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            ulong before = previous is not null && previous.Dropped.TryGetValue(reason, out ulong b) && b <= count ? b : 0;
            if (count > before)
            {
                lost += count - before;
                detail.Append(detail.Length == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"{reason}: {count - before}");
            }
        }

        return (lost, string.Create(CultureInfo.InvariantCulture, $"the agent dropped {lost} events since its last report ({detail})"));
    }
}
