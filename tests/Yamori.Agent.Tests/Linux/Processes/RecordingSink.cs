using System.Collections.Concurrent;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Linux.Processes;

/// <summary>A sink that keeps every event, so tests can wait for the ones they caused.</summary>
internal sealed class RecordingSink : ITelemetrySink
{
    private readonly ConcurrentQueue<(FlatEvent Event, EventPriority Priority)> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public IEnumerable<(FlatEvent Event, EventPriority Priority)> Events => _events;

    public bool Publish(FlatEvent telemetry, EventPriority priority)
    {
        _events.Enqueue((telemetry, priority));
        _arrived.Release();
        return true;
    }

    public int Count(Func<FlatEvent, bool> predicate) => _events.Count(e => predicate(e.Event));

    /// <summary>The first event matching <paramref name="predicate"/>, waiting up to <paramref name="timeout"/>.</summary>
    public async Task<(FlatEvent Event, EventPriority Priority)> WaitForAsync(Func<FlatEvent, bool> predicate, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            foreach (var e in _events)
            {
                if (predicate(e.Event))
                {
                    return e;
                }
            }

            try
            {
                await _arrived.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"no event for {what} within {timeout.TotalSeconds:0}s ({_events.Count} events seen)");
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> events match or the time is up; returns how many matched.</summary>
    public async Task<int> WaitForCountAsync(Func<FlatEvent, bool> predicate, int count, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        int seen;
        while ((seen = Count(predicate)) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return seen;
    }
}

internal static class FlatEventExtensions
{
    public static string? Get(this FlatEvent e, string name) => e.TryGetField(name, out FieldValue v) ? v.Text : null;
}
