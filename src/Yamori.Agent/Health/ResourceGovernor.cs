using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Health;

/// <summary>
/// Keeps the agent within the CPU and memory budget we promise towns. It samples the agent's own
/// CPU time and resident set every second; over budget it sheds <see cref="EventPriority.Low"/>
/// events (connections, file modifications), and well over budget (twice the CPU, or 1.5× the
/// memory) also <see cref="EventPriority.Normal"/> ones. Alerts are never shed. Every shed event is
/// counted by the caller and reported in heartbeats, so the SOC sees the loss.
/// </summary>
public sealed class ResourceGovernor
{
    private readonly double _cpuBudget;
    private readonly long _memoryBudget;
    private readonly TimeProvider _time;
    private readonly Queue<(long Ticks, TimeSpan Cpu)> _window = new();
    private volatile int _shedBelow; // events with priority < this are shed (0: none)
    private TimeSpan _heartbeatCpu;
    private long _heartbeatTicks;

    public ResourceGovernor(double cpuBudgetPercent, long memoryBudgetBytes, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cpuBudgetPercent);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryBudgetBytes);
        _cpuBudget = cpuBudgetPercent;
        _memoryBudget = memoryBudgetBytes;
        _time = time ?? TimeProvider.System;
        _heartbeatTicks = _time.GetTimestamp();
        _heartbeatCpu = Environment.CpuUsage.TotalTime;
    }

    /// <summary>CPU over the last few seconds, in percent of one core.</summary>
    public double RecentCpuPercent { get; private set; }

    public long RssBytes { get; private set; } = Environment.WorkingSet;

    /// <summary>Which priorities are being shed now (for the heartbeat and the log).</summary>
    public EventPriority? SheddingUpTo => _shedBelow == 0 ? null : (EventPriority)(_shedBelow - 1);

    public bool ShouldShed(EventPriority priority) => (int)priority < _shedBelow;

    /// <summary>Takes one sample and decides; called every second by <see cref="RunAsync"/>.</summary>
    public void Sample() => Apply(Environment.CpuUsage.TotalTime, Environment.WorkingSet, _time.GetTimestamp());

    /// <summary>The decision for a given measurement (public so the policy is testable without burning CPU).</summary>
    public void Apply(TimeSpan cpuTotal, long rss, long timestamp)
    {
        _window.Enqueue((timestamp, cpuTotal));
        while (_window.Count > 6)
        {
            _window.Dequeue();
        }

        (long firstTicks, TimeSpan firstCpu) = _window.Peek();
        TimeSpan wall = _time.GetElapsedTime(firstTicks, timestamp);
        RecentCpuPercent = wall > TimeSpan.Zero ? 100.0 * (cpuTotal - firstCpu).TotalMilliseconds / wall.TotalMilliseconds : 0;
        RssBytes = rss;
        _shedBelow =
            RecentCpuPercent > 2 * _cpuBudget || rss > _memoryBudget * 3 / 2 ? (int)EventPriority.Alert
            : RecentCpuPercent > _cpuBudget || rss > _memoryBudget ? (int)EventPriority.Normal
            : 0;
    }

    /// <summary>CPU since the previous call, in percent of one core: the heartbeat's figure.</summary>
    public double CpuPercentSinceLastHeartbeat()
    {
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        long now = _time.GetTimestamp();
        TimeSpan wall = _time.GetElapsedTime(_heartbeatTicks, now);
        double percent = wall > TimeSpan.Zero ? 100.0 * (cpu - _heartbeatCpu).TotalMilliseconds / wall.TotalMilliseconds : 0;
        _heartbeatCpu = cpu;
        _heartbeatTicks = now;
        return percent;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Sample();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
