using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// A batch as received from a device's stream. <paramref name="Scope"/> is the single tenant named
/// by the device's certificate, never anything the agent wrote in the message.
/// </summary>
public sealed record IngestBatch(TenantScope Scope, DeviceId Device, ulong Sequence, IReadOnlyList<TelemetryEvent> Events)
{
    /// <summary>The batch's encoded size as received; when null, estimated from its events.</summary>
    public int? EncodedBytes { get; init; }
}

/// <summary>What became of a submitted batch.</summary>
public enum IngestStatus
{
    /// <summary>Durably committed now.</summary>
    Stored,

    /// <summary>Committed earlier (a re-send); nothing written.</summary>
    Duplicate,

    /// <summary>Refused as sent; see <see cref="IngestResult.RejectReason"/>. Nothing written, and re-sending it unchanged will not help.</summary>
    Rejected,
}

/// <summary>Why a batch was refused.</summary>
public enum IngestRejectReason
{
    TooManyEvents = 1,
    TooLarge = 2,
    InvalidSequence = 3,

    /// <summary>The device id is bound to another tenant.</summary>
    TenantMismatch = 4,

    /// <summary>Not readable as telemetry (an event without time, a field without name or value).</summary>
    Malformed = 5,
}

/// <summary>The answer to one batch.</summary>
/// <param name="Ack">The device's highest contiguous committed sequence, to send to the agent (0 for rejections that reveal nothing).</param>
/// <param name="Gap">A telemetry-integrity gap this batch revealed.</param>
/// <param name="Message">For rejections: a sentence for the agent's log and the SOC.</param>
public sealed record IngestResult(
    IngestStatus Status,
    ulong Ack,
    IntegrityGap? Gap = null,
    IngestRejectReason? RejectReason = null,
    string? Message = null)
{
    internal static IngestResult Rejected(IngestRejectReason reason, string message) =>
        new(IngestStatus.Rejected, 0, null, reason, message);

    internal static IngestResult From(CommitOutcome outcome, IngestBatch batch) => outcome.Status switch
    {
        CommitStatus.Stored => new IngestResult(IngestStatus.Stored, outcome.Ack, outcome.NewGap),
        CommitStatus.Duplicate => new IngestResult(IngestStatus.Duplicate, outcome.Ack),
        _ => Rejected(IngestRejectReason.TenantMismatch, $"device {batch.Device} is enrolled under another tenant"),
    };
}
