using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using static Yamori.Agent.Tests.Spool.SpoolFixture;

namespace Yamori.Agent.Tests.Spool;

/// <summary>The size bound: the oldest unbatched records of the lowest priority go first, each one counted.</summary>
public sealed class SpoolFullTests : IDisposable
{
    private const int Payload = 100;
    private const int Frame = SpoolFrame.HeaderSize + Payload;
    private readonly SpoolFixture _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_full_spool_drops_oldest_low_then_normal_keeps_alerts_and_counts_every_drop()
    {
        using (SegmentSpool spool = Open())
        {
            AppendRange(spool, 1, 20, EventPriority.Alert, Payload);
            AppendRange(spool, 21, 30, EventPriority.Normal, Payload);
            AppendRange(spool, 51, 50, EventPriority.Low, Payload);
            Assert.Equal((100UL, 100UL * Frame), (spool.Stats.PendingEvents, spool.Stats.PendingBytes));
            Assert.Equal(0UL, Dropped(spool, SegmentSpool.FullReason));

            AppendRange(spool, 101, 10, EventPriority.Normal, Payload); // drops Low 51..60
            Assert.Equal(10UL, Dropped(spool, SegmentSpool.FullReason));
            AppendRange(spool, 111, 5, EventPriority.Low, Payload); // drops Low 61..65
            Assert.Equal(15UL, Dropped(spool, SegmentSpool.FullReason));
            AppendRange(spool, 116, 45, EventPriority.Normal, Payload); // drops Low 66..100, 111..115, then Normal 21..25
            Assert.Equal(60UL, Dropped(spool, SegmentSpool.FullReason));

            spool.Append(Record(161, Payload), EventPriority.Low); // only better records left: the newcomer goes
            Assert.Equal(61UL, Dropped(spool, SegmentSpool.FullReason));
            Assert.Equal((100UL, 100UL * Frame), (spool.Stats.PendingEvents, spool.Stats.PendingBytes));
        }

        using (SegmentSpool spool = Open())
        {
            Assert.Equal(61UL, Dropped(spool, SegmentSpool.FullReason));
            SpooledBatch all = spool.TakeBatch(1000, 1 << 20)!;
            int[] expected = [.. Enumerable.Range(1, 20), .. Enumerable.Range(26, 25), .. Enumerable.Range(101, 10), .. Enumerable.Range(116, 45)];
            Assert.Equal(expected, Numbers(all));

            // Cut batches are never dropped (their sequence is promised): with nothing else left, even an alert is refused.
            spool.Append(Record(162, Payload), EventPriority.Alert);
            Assert.Equal(62UL, Dropped(spool, SegmentSpool.FullReason));
            Assert.Equal(Numbers(all), Numbers(Assert.Single(spool.Unacknowledged())));

            spool.Acknowledge(all.Sequence);
            AppendRange(spool, 163, 101, EventPriority.Alert, Payload); // only alerts: the oldest alert goes
            Assert.Equal(63UL, Dropped(spool, SegmentSpool.FullReason));
            Assert.Equal(Enumerable.Range(164, 100), Drain(spool));
        }
    }

    [Fact]
    public void Drops_free_disk_as_whole_segments_empty_and_the_disk_stays_bounded()
    {
        using SegmentSpool spool = Open();
        AppendRange(spool, 1, 5000, EventPriority.Low, Payload);
        Assert.Equal(4900UL, Dropped(spool, SegmentSpool.FullReason));
        Assert.Equal(100UL * Frame, spool.Stats.PendingBytes);

        // Live records are bounded by MaxBytes; their segments by at most one partly released segment more.
        Assert.InRange(spool.DiskBytes, 100L * Frame, (100L * Frame) + 4096);
        Assert.Equal(Enumerable.Range(4901, 100), Drain(spool));
    }

    [Fact]
    public void Records_larger_than_the_spool_are_counted_not_stored()
    {
        using SegmentSpool spool = Open();
        spool.Append(new byte[(100 * Frame) + 1], EventPriority.Alert);
        Assert.Equal(1UL, Dropped(spool, SegmentSpool.TooLargeReason));
        Assert.Equal(0UL, spool.Stats.PendingEvents);
    }

    private SegmentSpool Open() => _dir.Open(maxBytes: 100 * Frame, segmentBytes: 4096);
}
