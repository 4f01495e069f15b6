using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Yamori.Agent.Spool;
using Yamori.Agent.SpoolCrashDriver;
using Yamori.Agent.Telemetry;

// Usage:
//   append <dir>
//       Appends records 1, 2, 3… (FsyncPolicy.Never, 1 MiB segments) as fast as it can until killed.
//       After every 128th append prints "A <n>": every record up to n has returned from Append.
//       After every 256th it cuts a batch and prints "B <seq> <n>… ." once TakeBatch returned; after
//       every 1024th it prints "K <n>… ." (the numbers of the batches it is about to acknowledge)
//       and then acknowledges all but the last two batches. A line without the final "." was cut
//       short by the kill.
//   bench <dir> <count> <never|interval|always>
//       Prints appends per second for <count> records of 200 bytes.
return args switch
{
    ["append", var dir] => Append(dir),
    ["bench", var dir, var count, var policy] => Bench(dir, int.Parse(count, CultureInfo.InvariantCulture), Enum.Parse<FsyncPolicy>(policy, ignoreCase: true)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: append <dir> | bench <dir> <count> <never|interval|always>");
    return 2;
}

static int Append(string dir)
{
    using var spool = new SegmentSpool(new SpoolOptions { Directory = dir, Fsync = FsyncPolicy.Never, SegmentBytes = 1 << 20 });
    using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
    Span<byte> record = stackalloc byte[CrashRecord.Size];
    var line = new StringBuilder();
    var taken = new List<SpooledBatch>();
    for (ulong n = 1; ; n++)
    {
        CrashRecord.Write(record, n);
        spool.Append(record, CrashRecord.PriorityOf(n));
        if (n % 128 == 0)
        {
            stdout.WriteLine("A " + n.ToString(CultureInfo.InvariantCulture));
        }

        if (n % 256 == 0 && spool.TakeBatch(64, 1 << 20) is { } batch)
        {
            taken.Add(batch);
            line.Clear().Append("B ").Append(batch.Sequence);
            foreach (ReadOnlyMemory<byte> r in batch.Records)
            {
                line.Append(' ').Append(CrashRecord.NumberOf(r.Span));
            }

            stdout.WriteLine(line.Append(" .").ToString());
        }

        if (n % 1024 == 0 && taken.Count > 2)
        {
            List<SpooledBatch> acked = taken[..^2];
            line.Clear().Append('K');
            foreach (ReadOnlyMemory<byte> r in acked.SelectMany(b => b.Records))
            {
                line.Append(' ').Append(CrashRecord.NumberOf(r.Span));
            }

            stdout.WriteLine(line.Append(" .").ToString());
            spool.Acknowledge(acked[^1].Sequence);
            taken.RemoveRange(0, acked.Count);
        }
    }
}

static int Bench(string dir, int count, FsyncPolicy policy)
{
    using var spool = new SegmentSpool(new SpoolOptions { Directory = dir, Fsync = policy });
    byte[] record = new byte[200];
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        BinaryPrimitives.WriteInt32LittleEndian(record, i);
        spool.Append(record, (EventPriority)(i % 3));
    }

    clock.Stop();
    Console.WriteLine($"{count} appends of {record.Length} bytes, fsync {policy}: {count / clock.Elapsed.TotalSeconds:F0} appends/s");
    return 0;
}
