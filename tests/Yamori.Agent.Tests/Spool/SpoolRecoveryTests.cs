using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using static Yamori.Agent.Tests.Spool.SpoolFixture;

namespace Yamori.Agent.Tests.Spool;

/// <summary>Damage on disk: torn tails are cut without loss of any complete record, damage in the middle is skipped and counted once.</summary>
public sealed class SpoolRecoveryTests : IDisposable
{
    private const int Payload = 100;
    private const int Frame = SpoolFrame.HeaderSize + Payload;
    private readonly SpoolFixture _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_record_cut_short_at_the_tail_is_truncated_and_every_complete_record_kept()
    {
        WriteTen();
        string segment = Assert.Single(_dir.Segments());
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength((10 * Frame) - 50);
        }

        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(Frame - 50, spool.Recovery.TornBytes);
            Assert.Equal(9UL, spool.Stats.PendingEvents);
            Assert.Equal(0UL, Dropped(spool, SegmentSpool.CorruptReason));
            spool.Append(Record(11, Payload), EventPriority.Normal); // lands right after record 9
        }

        Assert.Equal(10 * Frame, new FileInfo(segment).Length);
        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(0, spool.Recovery.TornBytes);
            Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 11], Drain(spool));
        }
    }

    [Theory]
    [InlineData(37, 0x00)]
    [InlineData(SpoolFrame.HeaderSize + 3, 0x59)] // starts like a frame: the magic's first byte
    [InlineData(5000, 0xAB)]
    public void Garbage_after_the_last_record_is_truncated(int garbage, byte fill)
    {
        WriteTen();
        string segment = Assert.Single(_dir.Segments());
        byte[] junk = new byte[garbage];
        Array.Fill(junk, fill);
        if (garbage > 4)
        {
            "YSR1"u8.CopyTo(junk);
        }

        File.AppendAllBytes(segment, junk);
        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(garbage, spool.Recovery.TornBytes);
            Assert.Equal(0UL, Dropped(spool, SegmentSpool.CorruptReason));
            Assert.Equal(Enumerable.Range(1, 10), Drain(spool, acknowledge: false));
        }

        Assert.Equal(10 * Frame, new FileInfo(segment).Length);
    }

    [Theory]
    [InlineData(SpoolFrame.HeaderSize + 50)] // payload byte: the CRC catches it, the header's length is trusted
    [InlineData(4)] // length field: the header CRC catches it, the reader searches for the next frame
    [InlineData(1)] // magic
    [InlineData(12)] // append counter
    public void A_damaged_record_in_the_middle_is_skipped_and_counted_once(int byteInFrame)
    {
        WriteTen();
        string segment = Assert.Single(_dir.Segments());
        Flip(segment, (4 * Frame) + byteInFrame); // record 5

        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(1UL, Dropped(spool, SegmentSpool.CorruptReason));
            Assert.Equal(9UL, spool.Stats.PendingEvents);
            Assert.Equal(1, spool.Recovery.Repairs);
        }

        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(1UL, Dropped(spool, SegmentSpool.CorruptReason)); // the tombstone keeps it from counting again
            Assert.Equal([1, 2, 3, 4, 6, 7, 8, 9, 10], Drain(spool));
        }
    }

    [Fact]
    public void A_damaged_record_of_a_cut_batch_leaves_the_batch_and_is_counted()
    {
        using (SegmentSpool spool = _dir.Open())
        {
            AppendRange(spool, 1, 10, size: Payload);
            Assert.Equal(1UL, spool.TakeBatch(100, 1 << 20)!.Sequence);
        }

        Flip(Assert.Single(_dir.Segments()), (2 * Frame) + SpoolFrame.HeaderSize + 7); // record 3
        for (int open = 0; open < 2; open++)
        {
            using SegmentSpool spool = _dir.Open();
            SpooledBatch batch = Assert.Single(spool.Unacknowledged());
            Assert.Equal(1UL, batch.Sequence);
            Assert.Equal([1, 2, 4, 5, 6, 7, 8, 9, 10], Numbers(batch));
            Assert.Equal(1UL, Dropped(spool, SegmentSpool.CorruptReason));
        }
    }

    [Fact]
    public void A_torn_journal_tail_loses_nothing_that_was_complete()
    {
        using (SegmentSpool spool = _dir.Open())
        {
            AppendRange(spool, 1, 6, size: Payload);
            spool.TakeBatch(2, 1 << 20);
            spool.TakeBatch(2, 1 << 20);
            spool.Acknowledge(1);
            spool.CountDropped("collector_overrun", 4);
        }

        string journal = Path.Combine(_dir.Directory, "spool.journal");
        File.AppendAllBytes(journal, [0x59, 0x53, 0x52, 0x31, 0xFF, 0xFF, 0, 0, 1, 2, 3]);
        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(4UL, Dropped(spool, "collector_overrun"));
            Assert.Equal(0UL, Dropped(spool, SegmentSpool.CorruptReason));
            Assert.Equal([2UL], spool.Unacknowledged().Select(b => b.Sequence));
            Assert.Equal([3, 4], Numbers(spool.Unacknowledged()[0]));
            Assert.Equal([5, 6], Drain(spool));
            Assert.Equal(3UL, spool.Stats.LastAssignedSequence);
        }
    }

    [Fact]
    public void Damage_across_several_segments_and_lanes_is_contained_to_the_damaged_records()
    {
        using (SegmentSpool spool = _dir.Open(segmentBytes: 4096))
        {
            AppendRange(spool, 1, 100, EventPriority.Low, Payload);
            AppendRange(spool, 101, 10, EventPriority.Alert, Payload);
        }

        string[] lows = _dir.Segments("low");
        Assert.True(lows.Length > 3);
        int perSegment = 4096 / Frame; // 33
        Flip(lows[1], (5 * Frame) + 30); // record perSegment + 6
        using (var file = new FileStream(lows[2], FileMode.Open))
        {
            file.SetLength(file.Length - 10); // a sealed segment lost its tail: counted, not a torn append
        }

        using SegmentSpool reopened = _dir.Open(segmentBytes: 4096);
        Assert.Equal(2UL, Dropped(reopened, SegmentSpool.CorruptReason));
        int lostTail = 3 * perSegment; // the last record of the third segment
        int[] expected = [.. Enumerable.Range(101, 10), .. Enumerable.Range(1, 100).Where(n => n != perSegment + 6 && n != lostTail)];
        Assert.Equal(expected, Drain(reopened));
    }

    [Fact]
    public void Damage_appearing_while_open_is_skipped_at_take_and_counted_exactly()
    {
        using SegmentSpool spool = _dir.Open();
        AppendRange(spool, 1, 10, size: Payload);
        string segment = Assert.Single(_dir.Segments());
        Flip(segment, (2 * Frame) + SpoolFrame.HeaderSize + 1); // payload of record 3: that record alone
        Assert.Equal([1, 2, 4, 5], Numbers(spool.TakeBatch(4, 1 << 20)!));
        Assert.Equal(1UL, Dropped(spool, SegmentSpool.CorruptReason));

        Flip(segment, (6 * Frame) + 4); // length of record 7: nothing after it in the segment can be trusted
        Assert.Equal([6], Numbers(spool.TakeBatch(100, 1 << 20)!));
        Assert.Equal(5UL, Dropped(spool, SegmentSpool.CorruptReason)); // records 7..10
        Assert.Equal(5UL, spool.Stats.PendingEvents); // the two cut batches

        spool.Append(Record(11, Payload), EventPriority.Normal); // a new segment: the damaged one is not trusted
        Assert.Equal(2, _dir.Segments().Length);
        spool.Dispose();

        using SegmentSpool reopened = _dir.Open();
        Assert.Equal(5UL, Dropped(reopened, SegmentSpool.CorruptReason)); // found again, but before the cursor: not recounted
        Assert.Equal(["1:1,2,4,5", "2:6"], reopened.Unacknowledged().Select(b => $"{b.Sequence}:{string.Join(',', Numbers(b))}"));
        Assert.Equal([11], Drain(reopened));
        Assert.Equal(0UL, reopened.Stats.PendingEvents);
        Assert.Empty(_dir.Segments());
    }

    [Fact]
    public void The_journal_is_compacted_and_keeps_batches_and_counts()
    {
        using (SegmentSpool spool = _dir.Open())
        {
            AppendRange(spool, 1, 6, size: Payload);
            spool.TakeBatch(3, 1 << 20);
            spool.TakeBatch(2, 1 << 20);
            for (int i = 0; i < 15_000; i++)
            {
                spool.CountDropped("collector_overrun", 1);
            }

            Assert.InRange(new FileInfo(Path.Combine(_dir.Directory, "spool.journal")).Length, 1, (1 << 20) + 4096);
        }

        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(15_000UL, Dropped(spool, "collector_overrun"));
            Assert.Equal(["1:1,2,3", "2:4,5"], spool.Unacknowledged().Select(b => $"{b.Sequence}:{string.Join(',', Numbers(b))}"));
            Assert.Equal([6], Drain(spool));
        }
    }

    [Theory]
    [InlineData("", 1L << 20, 1L << 30)]
    [InlineData("/tmp/x", 100, 1L << 30)]
    [InlineData("/tmp/x", 1L << 20, 1000)]
    public void Bad_options_are_refused_naming_the_setting(string directory, long segmentBytes, long maxBytes)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            new SegmentSpool(new SpoolOptions { Directory = directory, SegmentBytes = segmentBytes, MaxBytes = maxBytes }));
        Assert.Contains("SpoolOptions.", e.Message, StringComparison.Ordinal);
    }

    private void WriteTen()
    {
        using SegmentSpool spool = _dir.Open();
        AppendRange(spool, 1, 10, size: Payload);
    }

    private static void Flip(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x10));
    }
}
