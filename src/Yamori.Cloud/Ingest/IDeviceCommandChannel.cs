using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// Response commands as the agent stream carries them: what to deliver to a device (on connect and
/// whenever <see cref="AgentStreamService.NotifyCommandsPending"/> is called), and where its results
/// go. The scope is always the device's own tenant, taken from its certificate.
/// </summary>
public interface IDeviceCommandChannel
{
    /// <summary>Commands to send now; the implementation marks them delivered.</summary>
    ValueTask<IReadOnlyList<Command>> TakeDeliverableAsync(TenantScope scope, DeviceId device, CancellationToken cancellationToken);

    /// <summary>A result the device reported; results for another device's command are ignored by the implementation.</summary>
    ValueTask RecordResultAsync(TenantScope scope, DeviceId device, CommandResult result, CancellationToken cancellationToken);
}
