using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.SocConsole.Views;

/// <summary>One town's row on the dashboard.</summary>
public sealed record TownSummary(
    Tenant Tenant,
    IReadOnlyDictionary<SigmaLevel, int> OpenBySeverity,
    int DevicesOnline,
    int DevicesOffline,
    int DevicesIsolated,
    double EventsPerSecond,
    IReadOnlyList<Device> TelemetryGaps)
{
    public int OpenIncidents => OpenBySeverity.Values.Sum();
}

/// <summary>
/// The dashboard's figures, read through the same tenant-scoped services as the API: a town user's
/// actor yields their own town only, a SOC actor every town.
/// </summary>
public sealed class DashboardView(ITenancyStore tenancy, IncidentService incidents, IAlertStore alerts, TenantIngestRates rates, TimeProvider time)
{
    /// <summary>A device that sent nothing (not even a heartbeat) for this long counts as offline.</summary>
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromMinutes(5);

    /// <summary>Integrity alerts this recent mark a device as having a telemetry gap.</summary>
    public static readonly TimeSpan GapWindow = TimeSpan.FromHours(24);

    public async Task<IReadOnlyList<TownSummary>> BuildAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = time.GetUtcNow();
        IReadOnlyList<Tenant> towns = await tenancy.ListTenantsAsync(actor.Scope, cancellationToken);
        IReadOnlyList<Device> devices = await tenancy.ListDevicesAsync(actor.Scope, cancellationToken);
        IReadOnlyList<OpenIncidentCount> open = await incidents.CountOpenAsync(actor, cancellationToken);
        IReadOnlyList<Alert> integrity = await alerts.ListAlertsAsync(actor.Scope, new AlertQuery(RuleId: BuiltInRules.TelemetryIntegrityId, Limit: 1000), cancellationToken);
        var gapDevices = integrity.Where(a => now - a.LastSeen <= GapWindow).Select(a => a.Device).ToHashSet();

        var result = new List<TownSummary>(towns.Count);
        foreach (Tenant town in towns.OrderBy(t => t.Code.ToString(), StringComparer.Ordinal))
        {
            List<Device> own = devices.Where(d => d.Tenant == town.Id).ToList();
            int online = own.Count(d => d.LastSeen is { } seen && now - seen <= OnlineWindow);
            var bySeverity = open.Where(c => c.Tenant == town.Id).ToDictionary(c => c.Severity, c => c.Count);
            result.Add(new TownSummary(
                town,
                bySeverity,
                online,
                own.Count - online,
                own.Count(d => d.Isolation is IsolationState.Isolated or IsolationState.Isolating),
                rates.PerSecond(town.Id),
                own.Where(d => gapDevices.Contains(d.Id)).ToList()));
        }

        return result;
    }
}
