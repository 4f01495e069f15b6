using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Spool;

/// <summary>
/// The agent's durable queue between collectors and the cloud. Records are opaque bytes (one
/// serialized wire <c>Event</c> each). Batches are cut when the uplink asks, not when events
/// arrive, so that alerts can jump the queue without breaking the per-device sequence the cloud
/// checks: the spool assigns the next sequence to a batch and makes that assignment durable before
/// returning it, so a batch re-sent after a crash has the same sequence and the same records.
/// </summary>
public interface ISpool : IDisposable
{
    /// <summary>
    /// Appends one record. Durable according to <see cref="SpoolOptions.Fsync"/>. When the spool is
    /// at its size bound it first drops the oldest unbatched records of the lowest priority present
    /// (counted under "spool_full"); an <see cref="EventPriority.Alert"/> record is dropped only when
    /// nothing else is left.
    /// </summary>
    void Append(ReadOnlySpan<byte> record, EventPriority priority);

    /// <summary>
    /// Cuts the next batch from unbatched records: alerts first, then the oldest records regardless
    /// of priority, up to the limits (at least one record even if it alone exceeds
    /// <paramref name="maxBytes"/>, so that the cloud rejects it visibly instead of it blocking the
    /// spool). Null when nothing is waiting.
    /// </summary>
    SpooledBatch? TakeBatch(int maxEvents, int maxBytes);

    /// <summary>Batches cut but not yet acknowledged, in sequence order: what to re-send after reconnecting.</summary>
    IReadOnlyList<SpooledBatch> Unacknowledged();

    /// <summary>The cloud committed every batch up to <paramref name="sequence"/>: their records may go.</summary>
    void Acknowledge(ulong sequence);

    /// <summary>The cloud will never take this batch as sent: drop it and count its events under <paramref name="reason"/>.</summary>
    void Reject(ulong sequence, string reason);

    /// <summary>
    /// The cloud's watermark on connect is above anything this spool assigned (the spool was lost or
    /// reset): continue numbering after it, so new batches are not mistaken for re-sends.
    /// </summary>
    void EnsureSequenceAbove(ulong watermark);

    /// <summary>Counts an event lost before it reached the spool (collector overrun, too large…).</summary>
    void CountDropped(string reason, ulong events);

    SpoolStats Stats { get; }
}

/// <summary>A cut batch: its sequence and its records, in order.</summary>
public sealed record SpooledBatch(ulong Sequence, IReadOnlyList<ReadOnlyMemory<byte>> Records)
{
    public long Bytes
    {
        get
        {
            long total = 0;
            foreach (ReadOnlyMemory<byte> r in Records)
            {
                total += r.Length;
            }

            return total;
        }
    }
}

/// <summary>What the heartbeat reports about the spool. Drop counts are cumulative since install.</summary>
public sealed record SpoolStats(
    ulong PendingEvents,
    ulong PendingBytes,
    ulong LastAssignedSequence,
    ulong AcknowledgedSequence,
    IReadOnlyDictionary<string, ulong> Dropped);

public enum FsyncPolicy
{
    /// <summary>fsync after every append: nothing is lost on power failure, at a throughput cost.</summary>
    Always,

    /// <summary>fsync at most every <see cref="SpoolOptions.FsyncInterval"/>: a power cut loses at most that window; kill -9 loses nothing.</summary>
    Interval,

    /// <summary>Leave it to the OS: kill -9 loses nothing, a power cut may.</summary>
    Never,
}

public sealed class SpoolOptions
{
    /// <summary>Directory holding segment files; created owner-only if missing.</summary>
    public required string Directory { get; init; }

    /// <summary>Upper bound of all segment files together (default 1 GiB).</summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>Size at which a segment file is closed and a new one started.</summary>
    public long SegmentBytes { get; init; } = 16L << 20;

    public FsyncPolicy Fsync { get; init; } = FsyncPolicy.Interval;

    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
