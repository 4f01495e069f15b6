using Yamori.Agent.Hosting;
using Yamori.Agent.Telemetry;
using Yamori.Server.Tests.Support;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>
/// A collector that fails is restarted by the runtime (and what it collects afterwards reaches the
/// cloud); one whose kernel feature is missing is not. The collectors here are test doubles of the
/// agent's own seam, standing in for a kernel answer no real collector gives on demand.
/// </summary>
public sealed class CollectorRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_failed_collector_is_restarted_and_its_later_events_arrive_while_an_unavailable_one_stays_stopped()
    {
        await using CloudFixture cloud = await CloudFixture.StartAsync();
        using AgentHarness agent = await AgentHarness.EnrollAsync(cloud, cloud.TownA);
        var flaky = new FailsOnceCollector();
        var missing = new UnavailableCollector();
        await using AgentRuntime runtime = agent.Open([flaky, missing]);
        using var stop = new CancellationTokenSource();
        Task running = runtime.RunAsync(stop.Token);

        await AgentHarness.WaitForAsync(
            async () => (await agent.StoredEventsAsync(cloud)).Any(e => e.Event.TryGetField("Marker", out var v) && v.AsString == flaky.Marker),
            Timeout,
            "the event the restarted collector published");

        Assert.Equal(2, flaky.Runs);
        Assert.Equal(1, runtime.CollectorRestarts);
        Assert.Equal(1, missing.Runs);
        await stop.CancelAsync();
        await running;
    }

    private sealed class FailsOnceCollector : ICollector
    {
        private int _runs;

        public string Marker { get; } = Guid.NewGuid().ToString("N");

        public int Runs => Volatile.Read(ref _runs);

        public string Name => "flaky";

        public async Task RunAsync(ITelemetrySink sink, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _runs) == 1)
            {
                throw new InvalidOperationException("a kernel answer this collector did not expect");
            }

            var e = new FlatEvent { Source = new LogSourceHint("linux", "process_creation", null), Timestamp = DateTimeOffset.UtcNow };
            e.Set("Marker", Marker);
            sink.Publish(e, EventPriority.Normal);
            await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private sealed class UnavailableCollector : ICollector
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public string Name => "missing";

        public Task RunAsync(ITelemetrySink sink, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            throw new CollectorUnavailableException("this kernel lacks the feature");
        }
    }
}
