using System.Buffers;
using Google.Protobuf;
using Yamori.Agent.Detection;
using Yamori.Agent.Health;
using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using Yamori.Contracts;
using Yamori.Sigma.Events;
using Wire = Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Pipeline;

/// <summary>
/// Collectors → (governor) → local detection → spool. What reaches <see cref="ISpool.Append"/> is
/// durable and will reach the cloud exactly once; what does not is counted under a reason and
/// reported in heartbeats. Never throws at a collector.
/// </summary>
public sealed class TelemetryPipeline : ITelemetrySink
{
    private readonly ISpool _spool;
    private readonly ResourceGovernor? _governor;
    private readonly LocalDetector? _detector;
    private readonly TimeProvider _time;
    private readonly int _maxEventBytes;
    private long _published;

    public TelemetryPipeline(ISpool spool, ResourceGovernor? governor, LocalDetector? detector, int maxEventBytes, TimeProvider? time = null)
    {
        _spool = spool;
        _governor = governor;
        _detector = detector;
        _maxEventBytes = maxEventBytes;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Set when something was appended; the uplink waits on it.</summary>
    internal AsyncSignal Appended { get; } = new();

    /// <summary>Set when an alert was appended: the uplink cuts a batch at once instead of lingering.</summary>
    internal AsyncSignal AlertAppended { get; } = new();

    public long Published => Interlocked.Read(ref _published);

    public bool Publish(FlatEvent telemetry, EventPriority priority)
    {
        if (_governor?.ShouldShed(priority) == true)
        {
            CountDropped("governor_shed");
            return false;
        }

        if (_detector is not null && priority != EventPriority.Alert)
        {
            foreach (FlatEvent alert in _detector.Evaluate(telemetry))
            {
                Append(alert, EventPriority.Alert);
            }
        }

        return Append(telemetry, priority);
    }

    private bool Append(FlatEvent e, EventPriority priority)
    {
        Wire.Event wire = WireEvents.ToWire(e, e.Timestamp ?? _time.GetUtcNow());
        int size = wire.CalculateSize();
        if (size > _maxEventBytes)
        {
            // The cloud would reject the whole batch: lose this one event, visibly, instead.
            CountDropped("too_large");
            return false;
        }

        // Pooled: the spool copies the bytes, so the buffer is free again right after Append.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            wire.WriteTo(buffer.AsSpan(0, size));
            _spool.Append(buffer.AsSpan(0, size), priority);
        }
        catch (IOException)
        {
            // A full or failing disk: the event is lost, counted, and the collector keeps running.
            CountDropped("spool_error");
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Interlocked.Increment(ref _published);
        Appended.Set();
        if (priority == EventPriority.Alert)
        {
            AlertAppended.Set();
        }

        return true;
    }

    private void CountDropped(string reason)
    {
        try
        {
            _spool.CountDropped(reason, 1);
        }
        catch (IOException)
        {
            // The counter could not be made durable (failing disk); it is kept in memory and saved
            // with the spool's next successful write. A collector must never see this.
        }
    }
}
