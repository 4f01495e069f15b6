namespace Yamori.Cloud.Ingest;

/// <summary>
/// Per device: keeps its batches entering the pipeline in submission order (so a throttled batch
/// cannot be overtaken and mistaken for a gap), and a token bucket that delays a device sending
/// faster than its rate.
/// </summary>
internal sealed class DeviceGate(double ratePerSecond, double burst, long startTimestamp) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly double _burst = burst;
    private double _tokens = burst;
    private long _lastTimestamp = startTimestamp;

    /// <summary>Held from the device's submission until its batch is queued for commit.</summary>
    public SemaphoreSlim Order { get; } = new(1, 1);

    /// <summary>Takes <paramref name="events"/> tokens; returns how long to wait before they are covered.</summary>
    public TimeSpan Reserve(int events, long nowTimestamp, long timestampFrequency)
    {
        if (ratePerSecond <= 0)
        {
            return TimeSpan.Zero;
        }

        lock (_lock)
        {
            double elapsed = (double)(nowTimestamp - _lastTimestamp) / timestampFrequency;
            _lastTimestamp = nowTimestamp;
            _tokens = Math.Min(_burst, _tokens + (elapsed * ratePerSecond)) - events;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / ratePerSecond);
        }
    }

    public void Dispose() => Order.Dispose();
}
