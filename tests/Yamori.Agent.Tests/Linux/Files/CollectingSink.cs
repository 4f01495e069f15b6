using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Linux;

/// <summary>A sink that keeps every event so tests can wait for the ones they caused.</summary>
internal sealed class CollectingSink : ITelemetrySink
{
    private readonly List<(FlatEvent Event, EventPriority Priority)> _events = [];

    public bool Publish(FlatEvent telemetry, EventPriority priority)
    {
        lock (_events)
        {
            _events.Add((telemetry, priority));
            Monitor.PulseAll(_events);
        }

        return true;
    }

    public IReadOnlyList<(FlatEvent Event, EventPriority Priority)> Snapshot()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    /// <summary>Waits (generously) for the first event that satisfies <paramref name="predicate"/>; fails with everything seen.</summary>
    public (FlatEvent Event, EventPriority Priority) WaitFor(Func<FlatEvent, bool> predicate, string what, int timeoutSeconds = 30)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        lock (_events)
        {
            while (true)
            {
                foreach ((FlatEvent e, EventPriority p) in _events)
                {
                    if (predicate(e))
                    {
                        return (e, p);
                    }
                }

                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new Xunit.Sdk.XunitException($"no event {what} within {timeoutSeconds} s; seen:\n" + string.Join("\n", _events.Select(x => Describe(x.Event))));
                }

                Monitor.Wait(_events, left);
            }
        }
    }

    public static string Describe(FlatEvent e) =>
        $"{e.Source} " + string.Join(", ", e.Fields.Select(f => $"{f.Key}={f.Value}"));
}

internal static class FlatEventExtensions
{
    public static string? Field(this FlatEvent e, string name) => e.TryGetField(name, out FieldValue v) ? v.Text : null;
}

/// <summary>Runs a collector until disposed, then checks it ended without error.</summary>
internal sealed class CollectorRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();

    public CollectorRun(ICollector collector, ITelemetrySink sink) => Task = collector.RunAsync(sink, _cts.Token);

    public Task Task { get; }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        try
        {
            await Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _cts.Dispose();
        }
    }
}
