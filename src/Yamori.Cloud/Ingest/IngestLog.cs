using Microsoft.Extensions.Logging;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Ingest;

internal static partial class IngestLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Telemetry integrity: device {Device} of tenant {Tenant} skipped batches {FirstMissing}..{LastMissing}")]
    public static partial void GapDetected(ILogger logger, DeviceId device, TenantId tenant, ulong firstMissing, ulong lastMissing);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "Rejected batch {Sequence} of device {Device}: {Reason}, {Detail}")]
    public static partial void BatchRejected(ILogger logger, ulong sequence, DeviceId device, IngestRejectReason reason, string detail);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error,
        Message = "Commit of {Batches} batches failed; nothing of them was acknowledged")]
    public static partial void CommitFailed(ILogger logger, int batches, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error,
        Message = "Event sink failed on {Batches} committed batches; they stay stored")]
    public static partial void SinkFailed(ILogger logger, int batches, Exception exception);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error,
        Message = "Stream of device {Device} ended after an internal failure; the agent will reconnect and re-send")]
    public static partial void StreamFailed(ILogger logger, DeviceId device, Exception exception);
}
