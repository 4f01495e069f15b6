using System.Buffers.Binary;
using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Tests.Spool;

/// <summary>A spool directory under /tmp, removed afterwards, and the records the tests write.</summary>
internal sealed class SpoolFixture : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "yamori-spool-" + Guid.NewGuid().ToString("N"));

    public SegmentSpool Open(FsyncPolicy fsync = FsyncPolicy.Never, long maxBytes = 1L << 30, long segmentBytes = 16L << 20) =>
        new(new SpoolOptions { Directory = Directory, Fsync = fsync, MaxBytes = maxBytes, SegmentBytes = segmentBytes });

    public string[] Segments(string lane = "") =>
        [.. System.IO.Directory.GetFiles(Directory, lane + "*.seg").Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>Record <paramref name="n"/>: its number then filler derived from it, <paramref name="size"/> bytes.</summary>
    public static byte[] Record(int n, int size = 40)
    {
        byte[] record = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(record, n);
        for (int i = 4; i < size; i++)
        {
            record[i] = (byte)(n + i);
        }

        return record;
    }

    public static int Number(ReadOnlyMemory<byte> record)
    {
        int n = BinaryPrimitives.ReadInt32LittleEndian(record.Span);
        Assert.True(record.Span.SequenceEqual(Record(n, record.Length)), $"record {n} came back altered");
        return n;
    }

    public static int[] Numbers(SpooledBatch batch) => [.. batch.Records.Select(Number)];

    public static void AppendRange(ISpool spool, int from, int count, EventPriority priority = EventPriority.Normal, int size = 40)
    {
        for (int n = from; n < from + count; n++)
        {
            spool.Append(Record(n, size), priority);
        }
    }

    /// <summary>Takes every waiting record (acknowledging as it goes when asked) and returns their numbers in order.</summary>
    public static List<int> Drain(ISpool spool, bool acknowledge = true, int maxEvents = 1000)
    {
        var numbers = new List<int>();
        while (spool.TakeBatch(maxEvents, 1 << 20) is { } batch)
        {
            numbers.AddRange(Numbers(batch));
            if (acknowledge)
            {
                spool.Acknowledge(batch.Sequence);
            }
        }

        return numbers;
    }

    public static ulong Dropped(ISpool spool, string reason) => spool.Stats.Dropped.GetValueOrDefault(reason);
}
