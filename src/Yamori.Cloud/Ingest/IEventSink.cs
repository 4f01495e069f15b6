using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// Where committed telemetry goes next: detection (Yamori.Sigma), integrity alerts, live views.
/// Called after the durable commit, one group at a time, in commit order. The pipeline counts a
/// batch as in flight until the sink returns, so a slow sink slows the agents down instead of
/// piling events up in memory.
/// </summary>
public interface IEventSink
{
    ValueTask OnCommittedAsync(IReadOnlyList<CommittedBatch> batches, CancellationToken cancellationToken);
}

/// <summary>A batch that was just stored, with the ids its events received, and any gap it revealed.</summary>
public sealed record CommittedBatch(
    TenantId Tenant,
    DeviceId Device,
    ulong Sequence,
    IReadOnlyList<StoredEvent> Events,
    IntegrityGap? Gap);

/// <summary>A sink that does nothing (ingest without detection, and tests).</summary>
public sealed class NullEventSink : IEventSink
{
    public static NullEventSink Instance { get; } = new();

    public ValueTask OnCommittedAsync(IReadOnlyList<CommittedBatch> batches, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
