namespace Yamori.Cloud.Ingest;

/// <summary>Limits of the ingest pipeline. Defaults suit a 2-core embedded cloud with ~1,000 agents.</summary>
public sealed record IngestOptions
{
    /// <summary>
    /// Batches accepted but not yet both committed and handed to detection. When full, callers
    /// wait (backpressure); nothing is dropped. Bounds memory at a small multiple of this × <see cref="MaxBatchBytes"/>.
    /// </summary>
    public int MaxInFlightBatches { get; init; } = 256;

    /// <summary>A batch with more events is rejected whole.</summary>
    public int MaxBatchEvents { get; init; } = 5_000;

    /// <summary>A batch whose encoded (protobuf) size is larger is rejected whole.</summary>
    public int MaxBatchBytes { get; init; } = 4 << 20;

    /// <summary>At most this many batches share one transaction.</summary>
    public int MaxGroupBatches { get; init; } = 256;

    /// <summary>A group stops growing once it holds this many events (keeps each transaction short).</summary>
    public int MaxGroupEvents { get; init; } = 20_000;

    /// <summary>Sustained events per second one device may send; 0 disables the limit. Excess is delayed, never dropped.</summary>
    public double DeviceEventsPerSecond { get; init; } = 20_000;

    /// <summary>Events a device may send at once after being quiet (token bucket depth).</summary>
    public double DeviceBurstEvents { get; init; } = 50_000;

    /// <summary>Refuses limits that would stall or disable ingest (configuration is read at start-up).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxInFlightBatches);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchEvents);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxGroupBatches);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxGroupEvents);
        ArgumentOutOfRangeException.ThrowIfNegative(DeviceEventsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(DeviceBurstEvents);
    }
}
