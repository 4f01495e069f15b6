using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.SocConsole.Live;

/// <summary>
/// Tells open console pages that an incident appeared or grew, so the queue and the dashboard
/// refresh without a reload. Each page re-reads through its own tenant-scoped query, so the feed
/// itself carries only the tenant, never incident data.
/// </summary>
public sealed class IncidentFeed : IIncidentListener
{
    /// <summary>Raised after the incident is stored; handlers must not block (they re-render on their own circuit).</summary>
    public event Action<TenantId>? Changed;

    public ValueTask OnIncidentOpenedAsync(Incident incident, CancellationToken cancellationToken)
    {
        Changed?.Invoke(incident.Tenant);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnSeverityRaisedAsync(Incident incident, SigmaLevel previous, CancellationToken cancellationToken)
    {
        Changed?.Invoke(incident.Tenant);
        return ValueTask.CompletedTask;
    }

    /// <summary>For changes made by people (status, assignee) in the console or through the API, so open queues follow.</summary>
    public void Publish(TenantId tenant) => Changed?.Invoke(tenant);
}
