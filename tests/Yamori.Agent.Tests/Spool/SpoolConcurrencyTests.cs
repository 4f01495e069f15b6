using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using static Yamori.Agent.Tests.Spool.SpoolFixture;

namespace Yamori.Agent.Tests.Spool;

public sealed class SpoolConcurrencyTests : IDisposable
{
    private const int Writers = 4;
    private const int PerWriter = 5000;
    private readonly SpoolFixture _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(FsyncPolicy.Never)]
    [InlineData(FsyncPolicy.Interval)]
    public async Task Several_appenders_and_a_taker_deliver_every_record_exactly_once_in_order(FsyncPolicy fsync)
    {
        using var spool = new SegmentSpool(new SpoolOptions
        {
            Directory = _dir.Directory,
            Fsync = fsync,
            FsyncInterval = TimeSpan.FromMilliseconds(5),
            SegmentBytes = 16 << 10, // many segments created and deleted while the threads run
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Task[] writers = [.. Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(
            () =>
            {
                // One priority per writer so that its records share a lane and must keep their order.
                var priority = (EventPriority)(w % 3);
                for (int i = 0; i < PerWriter; i++)
                {
                    spool.Append(Record((w * 1_000_000) + i, 24 + (i % 200)), priority);
                }
            },
            cts.Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default))];

        var received = new List<int>();
        Task taker = Task.Factory.StartNew(
            () =>
            {
                while (received.Count < Writers * PerWriter)
                {
                    cts.Token.ThrowIfCancellationRequested();
                    if (spool.TakeBatch(Random.Shared.Next(1, 400), 32 << 10) is not { } batch)
                    {
                        Thread.Yield();
                        continue;
                    }

                    received.AddRange(Numbers(batch));
                    if (batch.Sequence % 3 != 0)
                    {
                        spool.Acknowledge(batch.Sequence); // every third waits for the next ack
                    }
                }
            },
            cts.Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await Task.WhenAll([.. writers, taker]);
        spool.Acknowledge(spool.Stats.LastAssignedSequence);

        Assert.Equal(Writers * PerWriter, received.Distinct().Count());
        Assert.Equal(Writers * PerWriter, received.Count);
        for (int w = 0; w < Writers; w++)
        {
            int[] mine = [.. received.Where(n => n / 1_000_000 == w)];
            Assert.Equal(Enumerable.Range(w * 1_000_000, PerWriter), mine);
        }

        SpoolStats stats = spool.Stats;
        Assert.Equal((0UL, 0UL), (stats.PendingEvents, stats.PendingBytes));
        Assert.Empty(stats.Dropped);
        Assert.Empty(_dir.Segments());
    }
}
