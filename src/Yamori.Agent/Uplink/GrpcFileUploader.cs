using Yamori.Agent.Response;

namespace Yamori.Agent.Uplink;

/// <summary>Collected files go to the cloud on the uplink's own <c>UploadFile</c> call, never on the telemetry stream.</summary>
public sealed class GrpcFileUploader(AgentUplink uplink) : IFileUploader
{
    public Task UploadAsync(string commandId, string fileName, Stream content, long length, string sha256, CancellationToken cancellationToken) =>
        uplink.UploadAsync(commandId, content, length, sha256, cancellationToken);
}
