using Yamori.Cloud.Enrollment;

namespace Yamori.Server.Agents;

/// <summary>Refusals are already logged by the endpoint; this recorder adds nothing until the audit log is wired.</summary>
internal sealed class LoggingRefusalRecorder : IAgentRefusalRecorder
{
    public ValueTask RecordAsync(string remoteAddress, DeviceBinding? claimed, string refusal, string detail, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
