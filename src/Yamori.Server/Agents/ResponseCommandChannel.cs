using Microsoft.Extensions.Logging;
using Yamori.Cloud.Response;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Server.Agents;

/// <summary>
/// The agent stream's view of the response queue. Results also move the device's isolation state,
/// which the console and the zero-trust gateway read: isolated only once the agent confirms it.
/// </summary>
internal sealed partial class ResponseCommandChannel(ResponseService response, ITenancyStore tenancy, TimeProvider time, ILogger<ResponseCommandChannel> logger) : Yamori.Cloud.Ingest.IDeviceCommandChannel
{
    public async ValueTask<IReadOnlyList<Command>> TakeDeliverableAsync(TenantScope scope, DeviceId device, CancellationToken cancellationToken)
    {
        IReadOnlyList<DeliveredCommand> delivered = await response.TakeDeliverableAsync(scope, device, time.GetUtcNow(), cancellationToken);
        var wire = new List<Command>(delivered.Count);
        foreach (DeliveredCommand d in delivered)
        {
            wire.Add(d.Wire);
            if (d.Change.After.Action.Kind == ResponseKind.Isolate)
            {
                await SetIsolationAsync(scope, device, IsolationState.Isolating, cancellationToken);
            }
            else if (d.Change.After.Action.Kind == ResponseKind.Release)
            {
                await SetIsolationAsync(scope, device, IsolationState.Releasing, cancellationToken);
            }
        }

        return wire;
    }

    public async ValueTask RecordResultAsync(TenantScope scope, DeviceId device, CommandResult result, CancellationToken cancellationToken)
    {
        ResultRecording recording = await response.RecordResultAsync(scope, device, result, cancellationToken);
        if (!recording.Accepted)
        {
            LogIgnored(logger, device, result.CommandId, recording.Reason ?? "");
            return;
        }

        ResponseCommand command = recording.Change!.After;
        bool succeeded = result.Status == CommandStatus.Succeeded;
        if (command.Action.Kind == ResponseKind.Isolate)
        {
            await SetIsolationAsync(scope, device, succeeded ? IsolationState.Isolated : IsolationState.None, cancellationToken);
        }
        else if (command.Action.Kind == ResponseKind.Release)
        {
            await SetIsolationAsync(scope, device, succeeded ? IsolationState.None : IsolationState.Isolated, cancellationToken);
        }
    }

    private async ValueTask SetIsolationAsync(TenantScope scope, DeviceId id, IsolationState state, CancellationToken ct) =>
        await tenancy.SetIsolationAsync(scope, id, state, ct);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result for command {CommandId} from device {Device} ignored: {Reason}")]
    private static partial void LogIgnored(ILogger logger, DeviceId device, string commandId, string reason);
}
