using System.Globalization;
using System.Runtime.Versioning;
using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using static Yamori.Agent.Tests.Spool.SpoolFixture;

namespace Yamori.Agent.Tests.Spool;

public sealed class SegmentSpoolTests : IDisposable
{
    private readonly SpoolFixture _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Crc32C_matches_the_Castagnoli_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
    }

    [Theory]
    [InlineData(FsyncPolicy.Never)]
    [InlineData(FsyncPolicy.Interval)]
    [InlineData(FsyncPolicy.Always)]
    public void Records_come_back_in_order_and_acknowledging_releases_them(FsyncPolicy fsync)
    {
        using SegmentSpool spool = _dir.Open(fsync);
        Assert.Null(spool.TakeBatch(10, 1000));
        AppendRange(spool, 1, 5);
        spool.Append([], EventPriority.Normal); // an empty record is a record

        SpoolStats before = spool.Stats;
        Assert.Equal(6UL, before.PendingEvents);
        Assert.Equal((ulong)((5 * 40) + (6 * SpoolFrame.HeaderSize)), before.PendingBytes);

        SpooledBatch batch = spool.TakeBatch(100, 1 << 20)!;
        Assert.Equal(1UL, batch.Sequence);
        Assert.Equal([1, 2, 3, 4, 5], batch.Records.Take(5).Select(Number));
        Assert.Equal(0, batch.Records[5].Length);
        Assert.Null(spool.TakeBatch(100, 1 << 20));
        Assert.Equal(6UL, spool.Stats.PendingEvents); // cut but not acknowledged
        Assert.Equal(1UL, spool.Stats.LastAssignedSequence);

        spool.Acknowledge(1);
        SpoolStats after = spool.Stats;
        Assert.Equal((0UL, 0UL, 1UL, 1UL), (after.PendingEvents, after.PendingBytes, after.LastAssignedSequence, after.AcknowledgedSequence));
        Assert.Empty(after.Dropped);
        Assert.Empty(spool.Unacknowledged());
    }

    [Fact]
    public void Appending_allocates_nothing_once_warm()
    {
        using SegmentSpool spool = _dir.Open(segmentBytes: 1 << 20);
        byte[] record = Record(1, 300);
        for (int i = 0; i < 100; i++)
        {
            spool.Append(record, EventPriority.Normal);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            spool.Append(record, (EventPriority)(i % 3));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4096, $"1000 appends allocated {allocated} bytes"); // two new segment files at most
    }

    [Fact]
    public void Alerts_leave_first_then_the_oldest_of_any_priority()
    {
        using SegmentSpool spool = _dir.Open();
        spool.Append(Record(1), EventPriority.Low);
        spool.Append(Record(2), EventPriority.Normal);
        spool.Append(Record(3), EventPriority.Alert);
        spool.Append(Record(4), EventPriority.Low);
        spool.Append(Record(5), EventPriority.Normal);
        spool.Append(Record(6), EventPriority.Alert);
        spool.Append(Record(7), EventPriority.Low);

        Assert.Equal([3, 6, 1, 2], Numbers(spool.TakeBatch(4, 1 << 20)!));
        spool.Append(Record(8), EventPriority.Alert);
        Assert.Equal([8, 4, 5, 7], Numbers(spool.TakeBatch(10, 1 << 20)!));
    }

    [Fact]
    public void Batches_respect_both_limits_but_always_carry_one_record()
    {
        using SegmentSpool spool = _dir.Open();
        AppendRange(spool, 1, 10, size: 100);
        spool.Append(Record(11, 5000), EventPriority.Normal);

        Assert.Equal([1, 2, 3], Numbers(spool.TakeBatch(3, 1 << 20)!));
        Assert.Equal([4, 5], Numbers(spool.TakeBatch(100, 299)!));
        Assert.Equal([6, 7, 8], Numbers(spool.TakeBatch(100, 300)!));
        Assert.Equal([9, 10], Numbers(spool.TakeBatch(100, 1000)!));
        SpooledBatch big = spool.TakeBatch(100, 1000)!;
        Assert.Equal([11], Numbers(big));
        Assert.Equal(5000, big.Bytes);
        Assert.Equal(5UL, big.Sequence);
    }

    [Fact]
    public void Sequence_numbers_continue_after_reopening_and_are_never_reused()
    {
        using (SegmentSpool spool = _dir.Open())
        {
            AppendRange(spool, 1, 4);
            Assert.Equal(1UL, spool.TakeBatch(2, 1 << 20)!.Sequence);
            Assert.Equal(2UL, spool.TakeBatch(2, 1 << 20)!.Sequence);
            spool.Acknowledge(2);
        }

        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(2UL, spool.Stats.LastAssignedSequence);
            Assert.Equal(2UL, spool.Stats.AcknowledgedSequence);
            Assert.Empty(Directory.GetFiles(_dir.Directory, "*.seg")); // everything acknowledged: nothing kept
            AppendRange(spool, 5, 1);
            Assert.Equal(3UL, spool.TakeBatch(10, 1 << 20)!.Sequence);
        }

        using (SegmentSpool spool = _dir.Open())
        {
            SpooledBatch again = Assert.Single(spool.Unacknowledged());
            Assert.Equal(3UL, again.Sequence);
            AppendRange(spool, 6, 1);
            Assert.Equal(4UL, spool.TakeBatch(10, 1 << 20)!.Sequence);
        }
    }

    [Fact]
    public void Unacknowledged_batches_are_identical_after_reopening()
    {
        List<string> cut = [];
        using (SegmentSpool spool = _dir.Open(segmentBytes: 4096))
        {
            for (int n = 1; n <= 300; n++)
            {
                spool.Append(Record(n), (EventPriority)(n % 3));
            }

            for (int i = 0; i < 5; i++)
            {
                SpooledBatch b = spool.TakeBatch(37, 1 << 20)!;
                cut.Add(Describe(b));
            }

            spool.Acknowledge(2);
            Assert.Equal(cut[2..], spool.Unacknowledged().Select(Describe));
        }

        using (SegmentSpool spool = _dir.Open(segmentBytes: 4096))
        {
            Assert.Equal(cut[2..], spool.Unacknowledged().Select(Describe));
            Assert.Equal((ulong)(300 - (2 * 37)), spool.Stats.PendingEvents);

            // What was cut is not cut again; the rest follows, each record once.
            List<int> rest = Drain(spool);
            int[] all = [.. cut.SelectMany(c => c.Split(':')[1].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))), .. rest];
            Assert.Equal(Enumerable.Range(1, 300), all.Order());
            Assert.Empty(spool.Unacknowledged());
        }
    }

    [Fact]
    public void Acknowledging_deletes_released_segments_and_frees_their_bytes()
    {
        using SegmentSpool spool = _dir.Open(segmentBytes: 4096);
        AppendRange(spool, 1, 200, EventPriority.Low, size: 200);
        AppendRange(spool, 201, 50, EventPriority.Alert, size: 200);
        int segments = _dir.Segments().Length;
        Assert.True(segments >= 12, $"expected many 4 KiB segments, found {segments}");
        long diskBefore = spool.DiskBytes;
        Assert.Equal(DirectoryBytes(), diskBefore);

        SpooledBatch alerts = spool.TakeBatch(50, 1 << 20)!;
        Assert.Equal(Enumerable.Range(201, 50), Numbers(alerts));
        SpooledBatch firstLows = spool.TakeBatch(100, 1 << 20)!;
        spool.Acknowledge(alerts.Sequence);
        Assert.Empty(_dir.Segments("alert"));
        Assert.True(spool.DiskBytes < diskBefore);

        spool.Acknowledge(firstLows.Sequence);
        int lowSegments = _dir.Segments("low").Length;
        Assert.Equal(7, lowSegments); // 18 frames of 224 bytes per 4 KiB segment: records 101..200 are in segments 6..12
        Assert.Equal(DirectoryBytes(), spool.DiskBytes);

        Assert.Equal(Enumerable.Range(101, 100), Drain(spool));
        Assert.Empty(_dir.Segments());
        Assert.Equal(0, spool.DiskBytes);
        Assert.Equal(0UL, spool.Stats.PendingBytes);
    }

    [Fact]
    public void Rejected_batches_are_dropped_and_counted_under_their_reason()
    {
        using (SegmentSpool spool = _dir.Open())
        {
            AppendRange(spool, 1, 8);
            SpooledBatch first = spool.TakeBatch(5, 1 << 20)!;
            SpooledBatch second = spool.TakeBatch(5, 1 << 20)!;
            spool.Reject(first.Sequence, "batch_too_large");
            spool.Reject(first.Sequence, "batch_too_large"); // a repeated reject does not count twice
            Assert.Equal(5UL, Dropped(spool, "batch_too_large"));
            Assert.Equal(3UL, spool.Stats.PendingEvents);
            Assert.Equal([second.Sequence], spool.Unacknowledged().Select(b => b.Sequence));
            Assert.Throws<ArgumentOutOfRangeException>(() => spool.Reject(9, "x"));
            Assert.Throws<ArgumentException>(() => spool.Reject(second.Sequence, ""));
        }

        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(5UL, Dropped(spool, "batch_too_large"));
            Assert.Equal([6, 7, 8], Numbers(Assert.Single(spool.Unacknowledged())));
        }
    }

    [Fact]
    public void EnsureSequenceAbove_moves_numbering_past_the_cloud_watermark_and_renumbers_waiting_batches()
    {
        using (SegmentSpool spool = _dir.Open())
        {
            AppendRange(spool, 1, 3);
            SpooledBatch waiting = spool.TakeBatch(2, 1 << 20)!;
            Assert.Equal(1UL, waiting.Sequence);

            spool.EnsureSequenceAbove(500);
            SpooledBatch renumbered = Assert.Single(spool.Unacknowledged());
            Assert.Equal("501:1,2", Describe(renumbered));
            Assert.Equal(502UL, spool.TakeBatch(10, 1 << 20)!.Sequence);

            spool.EnsureSequenceAbove(100); // below what is assigned: nothing changes
            Assert.Equal(502UL, spool.Stats.LastAssignedSequence);
            Assert.Throws<ArgumentOutOfRangeException>(() => spool.Acknowledge(503));
        }

        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal([501UL, 502UL], spool.Unacknowledged().Select(b => b.Sequence));
            AppendRange(spool, 4, 1);
            Assert.Equal(503UL, spool.TakeBatch(10, 1 << 20)!.Sequence);
            spool.Acknowledge(503);
            Assert.Empty(spool.Unacknowledged());
        }
    }

    [Fact]
    public void External_drops_are_added_to_the_persisted_counters()
    {
        using (SegmentSpool spool = _dir.Open())
        {
            spool.CountDropped("collector_overrun", 7);
            spool.CountDropped("collector_overrun", 3);
            spool.Append(new byte[SpoolFrame.MaxPayload + 1], EventPriority.Normal);
            Assert.Throws<ArgumentException>(() => spool.CountDropped(" ", 1));
        }

        using (SegmentSpool spool = _dir.Open())
        {
            Assert.Equal(10UL, Dropped(spool, "collector_overrun"));
            Assert.Equal(1UL, Dropped(spool, SegmentSpool.TooLargeReason));
            Assert.Equal(0UL, spool.Stats.PendingEvents);
        }
    }

    [SkippableFact]
    [UnsupportedOSPlatform("windows")]
    public void Directory_is_owner_only_and_files_are_0600()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes");
        using SegmentSpool spool = _dir.Open();
        AppendRange(spool, 1, 1);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir.Directory));
        string[] files = Directory.GetFiles(_dir.Directory);
        Assert.Equal(3, files.Length); // lock, journal, one segment
        Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    [Fact]
    public void A_second_process_or_instance_cannot_open_the_same_spool()
    {
        using SegmentSpool spool = _dir.Open();
        IOException e = Assert.Throws<IOException>(() => _dir.Open());
        Assert.Contains("in use", e.Message, StringComparison.Ordinal);
    }

    private static string Describe(SpooledBatch batch) => $"{batch.Sequence}:{string.Join(',', Numbers(batch))}";

    private long DirectoryBytes() => _dir.Segments().Sum(f => new FileInfo(f).Length);
}
