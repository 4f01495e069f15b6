using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Ingest;

/// <summary>What the cloud makes of an agent's heartbeat: it keeps the agent's self-report and judges the device's health.</summary>
public interface IHeartbeatObserver
{
    /// <returns>The device's health as of this heartbeat (stored on the device, read by console and gateway).</returns>
    ValueTask<DeviceHealth> OnHeartbeatAsync(TenantScope scope, DeviceId device, Heartbeat heartbeat, DateTimeOffset receivedAt, CancellationToken cancellationToken);
}
