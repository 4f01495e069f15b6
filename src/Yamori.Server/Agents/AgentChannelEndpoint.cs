using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Response;
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
    ResponseService response,
    IAgentRefusalRecorder refusals,
    ILogger<AgentChannelEndpoint> logger) : AgentChannelFramesBase
{
    public override async Task Connect(IAsyncStreamReader<AgentFrame> requestStream, IServerStreamWriter<CloudMessage> responseStream, ServerCallContext context)
    {
        DeviceBinding binding = await AuthenticateAsync(context);
        LogConnected(logger, binding.Device, binding.Tenant, context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "unknown");
        await streams.RunAsync(TenantScope.For(binding.Tenant), binding.Device, requestStream, responseStream, context.CancellationToken);
    }

    /// <summary>Ample for the largest allowed file on a slow town uplink; ends uploads that stall.</summary>
    private static readonly TimeSpan UploadDeadline = TimeSpan.FromMinutes(30);

    public override async Task<UploadReceipt> UploadFile(IAsyncStreamReader<FileChunk> requestStream, ServerCallContext context)
    {
        DeviceBinding binding = await AuthenticateAsync(context);
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the upload carries no chunk"));
        }

        FileChunk header = requestStream.Current;
        if (!Guid.TryParse(header.CommandId, out Guid commandId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "command_id is not a command id"));
        }

        // A hostile agent must not hold an upload (a file handle and a partial file) open forever.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(UploadDeadline);
        await using var content = new UploadStream(header, requestStream, deadline.Token);
        try
        {
            CommandChange change = await response.StoreCollectedFileAsync(TenantScope.For(binding.Tenant), binding.Device, commandId, content, header.Sha256, deadline.Token);
            if (header.SizeBytes != 0 && (ulong)change.After.File!.SizeBytes != header.SizeBytes)
            {
                // The hash matched, so the content is what the agent read; a wrong declared size is only worth a log line.
                LogSizeMismatch(logger, commandId, header.SizeBytes, change.After.File.SizeBytes);
            }

            LogStored(logger, commandId, binding.Device, change.After.File!.SizeBytes);
            return new UploadReceipt { Sha256 = change.After.File.Sha256, SizeBytes = (ulong)change.After.File.SizeBytes };
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (ResponseNotFoundException)
        {
            // Another device's or town's command looks exactly like a missing one.
            throw new RpcException(new Status(StatusCode.NotFound, $"command {commandId} not found"));
        }
        catch (CollectedFileRejectedException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (ResponseConflictException e)
        {
            throw new RpcException(new Status(StatusCode.Aborted, e.Message));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"the upload took longer than {UploadDeadline.TotalMinutes:0} minutes; nothing was kept"));
        }
        catch (IOException e)
        {
            LogUploadFailed(logger, commandId, e.Message);
            throw new RpcException(new Status(StatusCode.Aborted, "the cloud could not store the file; upload again"));
        }
    }

    /// <summary>
    /// The device a call speaks for, from its client certificate only; every refusal is logged and
    /// audit-logged with its reason before the call fails.
    /// </summary>
    private async Task<DeviceBinding> AuthenticateAsync(ServerCallContext context)
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

        return validation.Binding!.Value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Collected file for command {CommandId} stored from device {Device} ({Bytes} bytes)")]
    private static partial void LogStored(ILogger logger, Guid commandId, DeviceId device, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload for command {CommandId} could not be stored: {Reason}")]
    private static partial void LogUploadFailed(ILogger logger, Guid commandId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload for command {CommandId} declared {Declared} bytes but carried {Actual}")]
    private static partial void LogSizeMismatch(ILogger logger, Guid commandId, ulong declared, long actual);

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
