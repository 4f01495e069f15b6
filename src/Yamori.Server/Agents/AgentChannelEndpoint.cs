using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Server.Agents;

/// <summary>
/// <c>AgentChannel.Connect</c> over ASP.NET Core gRPC. Identity comes only from the client
/// certificate of the TLS connection: the validator checks issuer, validity, binding, registry and
/// revocation, and the stream runs under the tenant the registry names. Every refusal is logged
/// and audit-logged with its reason.
/// </summary>
internal sealed partial class AgentChannelEndpoint(
    CertificateValidator validator,
    AgentStreamService streams,
    IAgentRefusalRecorder refusals,
    ILogger<AgentChannelEndpoint> logger) : AgentChannel.AgentChannelBase
{
    public override async Task Connect(IAsyncStreamReader<AgentMessage> requestStream, IServerStreamWriter<CloudMessage> responseStream, ServerCallContext context)
    {
        HttpContext http = context.GetHttpContext();
        string remote = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        X509Certificate2? certificate = http.Connection.ClientCertificate;
        if (certificate is null || !AgentListener.IsAgentConnection(http))
        {
            LogRefused(logger, remote, "NoClientCertificate", "no client certificate on this connection");
            // Recorded even when the caller hangs up at once: a refusal must not vanish from the audit log.
            await refusals.RecordAsync(remote, null, "NoClientCertificate", "no client certificate on this connection", CancellationToken.None);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a device client certificate is required"));
        }

        CertificateValidation validation = await validator.ValidateAsync(certificate, context.CancellationToken);
        if (!validation.Succeeded)
        {
            string refusal = validation.Refusal!.Value.ToString();
            LogRefused(logger, remote, refusal, validation.Detail!);
            await refusals.RecordAsync(remote, validation.Binding, refusal, validation.Detail!, CancellationToken.None);
            StatusCode code = validation.Refusal is CertificateRefusal.Revoked or CertificateRefusal.TenantMismatch
                ? StatusCode.PermissionDenied
                : StatusCode.Unauthenticated;
            throw new RpcException(new Status(code, $"device certificate refused: {refusal}"));
        }

        DeviceBinding binding = validation.Binding!.Value;
        LogConnected(logger, binding.Device, binding.Tenant, remote);
        await streams.RunAsync(TenantScope.For(binding.Tenant), binding.Device, requestStream, responseStream, context.CancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent connection from {Remote} refused: {Refusal}: {Detail}")]
    private static partial void LogRefused(ILogger logger, string remote, string refusal, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} of tenant {Tenant} connected from {Remote}")]
    private static partial void LogConnected(ILogger logger, DeviceId device, TenantId tenant, string remote);
}

/// <summary>Where refused agent connections are recorded (the audit log).</summary>
public interface IAgentRefusalRecorder
{
    ValueTask RecordAsync(string remoteAddress, DeviceBinding? claimed, string refusal, string detail, CancellationToken cancellationToken);
}
