using Yamori.Cloud.Events;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Storage;

/// <summary>
/// Durable telemetry with per-device sequence watermarks. The contract every implementation keeps
/// (SQLite embedded, PostgreSQL at scale):
/// <list type="bullet">
/// <item>A batch's events and its device's watermark change in one transaction, so after a crash
/// either both are there or neither is.</item>
/// <item>When <see cref="CommitAsync"/> returns, everything it reports as stored is durable; the
/// ack it reports may be sent to the agent.</item>
/// <item>A batch at or below the watermark is not stored again (unless it fills a recorded gap).</item>
/// <item>A sequence jump is recorded as an <see cref="IntegrityGap"/> with the exact missing range.</item>
/// <item>Every read is limited to its <see cref="TenantScope"/>.</item>
/// </list>
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Commits several batches, possibly of many devices and tenants, in one transaction (group
    /// commit: one disk sync for all of them). Batches of one device are applied in list order.
    /// A batch that cannot be stored for a reason of its own (device bound to another tenant) gets
    /// a rejected outcome without failing the others; an exception means nothing was committed.
    /// </summary>
    ValueTask<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<BatchToCommit> batches, CancellationToken cancellationToken = default);

    /// <summary>
    /// The device's highest contiguous committed sequence (0 before the first batch): what the cloud
    /// acks when the agent connects.
    /// </summary>
    ValueTask<ulong> GetWatermarkAsync(TenantScope scope, DeviceId device, CancellationToken cancellationToken = default);

    /// <summary>Events of one device in a time range, ordered by time then id; tenant-scoped.</summary>
    ValueTask<IReadOnlyList<StoredEvent>> QueryEventsAsync(TenantScope scope, EventQuery query, CancellationToken cancellationToken = default);

    /// <summary>Sequence ranges still missing, per device (all devices in scope when null).</summary>
    ValueTask<IReadOnlyList<IntegrityGap>> QueryGapsAsync(TenantScope scope, DeviceId? device, CancellationToken cancellationToken = default);

    /// <summary>
    /// Retention: deletes the single tenant's events received before <paramref name="cutoff"/>. The
    /// watermarks stay, so a late re-send of a purged batch is still recognised as a duplicate.
    /// </summary>
    /// <returns>The number of events deleted.</returns>
    ValueTask<long> DeleteEventsReceivedBeforeAsync(TenantScope scope, DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}

/// <summary>One device's batch to commit. The scope must be that device's single tenant.</summary>
/// <param name="FieldsJson">
/// Each event's fields already encoded (<see cref="Events.FieldsJson"/>), when the caller had a
/// spare thread to do it; the store encodes the rest itself. Encoding before the commit keeps the
/// single writer doing only what must be serial.
/// </param>
public sealed record BatchToCommit(TenantScope Scope, DeviceId Device, ulong Sequence, IReadOnlyList<TelemetryEvent> Events, EncodedFields? FieldsJson = null);

/// <summary>What happened to a batch.</summary>
public enum CommitStatus
{
    /// <summary>Stored now (including a batch that filled part of a recorded gap).</summary>
    Stored,

    /// <summary>Already stored (or declared lost) earlier: nothing written, acked again.</summary>
    Duplicate,

    /// <summary>The device id is bound to another tenant: nothing written.</summary>
    TenantMismatch,
}

/// <summary>The result of committing one batch.</summary>
/// <param name="Ack">The device's highest contiguous committed sequence after this batch.</param>
/// <param name="NewGap">A gap this batch revealed (its sequence jumped past the watermark + 1).</param>
/// <param name="Stored">The events written, with their ids; empty unless <see cref="CommitStatus.Stored"/>.</param>
public sealed record CommitOutcome(
    CommitStatus Status,
    ulong Ack,
    IntegrityGap? NewGap,
    IReadOnlyList<StoredEvent> Stored);

/// <summary>
/// A telemetry-integrity record: batches of a device that never arrived, so the SOC knows that
/// part of the device's history is missing rather than assuming it was quiet.
/// </summary>
/// <param name="FirstMissing">First missing sequence (inclusive).</param>
/// <param name="LastMissing">Last missing sequence (inclusive).</param>
/// <param name="DetectedAt">When the batch that revealed the jump was committed.</param>
public sealed record IntegrityGap(
    TenantId Tenant,
    DeviceId Device,
    ulong FirstMissing,
    ulong LastMissing,
    DateTimeOffset DetectedAt)
{
    public ulong MissingBatches => LastMissing - FirstMissing + 1;
}

/// <summary>A page of one device's events in <c>[From, To)</c> by event time.</summary>
/// <param name="AfterId">Keyset cursor: continue after the event with this id (last of the previous page).</param>
public sealed record EventQuery(DeviceId Device, DateTimeOffset From, DateTimeOffset To, int Limit = 1000, long? AfterId = null);

/// <summary>Convenience for single batches.</summary>
public static class EventStoreExtensions
{
    public static async ValueTask<CommitOutcome> CommitBatchAsync(
        this IEventStore store,
        TenantScope scope,
        DeviceId device,
        ulong sequence,
        IReadOnlyList<TelemetryEvent> events,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<CommitOutcome> outcomes = await store.CommitAsync([new BatchToCommit(scope, device, sequence, events)], cancellationToken);
        return outcomes[0];
    }
}
