using System.Diagnostics;
using System.Globalization;
using Yamori.Cloud.Events;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

// Usage:
//   stream <db> <tenant> <last-sequence> <events-per-batch> <device>:<first-sequence> ...
//       Streams batches first..last of each device through an IngestPipeline into the SQLite file,
//       up to 8 unacknowledged per device like an agent, and prints "ACK <device> <ack>" as each
//       batch is acknowledged (after its durable commit), then "DONE".
//   bench <db> <devices> <batches-per-device> <events-per-batch>
//       Prints the sustained commit throughput in events per second.
return args switch
{
    ["stream", var db, var tenant, var last, var perBatch, .. var devices] when devices.Length > 0 =>
        await Stream(db, new TenantId(Guid.Parse(tenant)), ulong.Parse(last, CultureInfo.InvariantCulture), int.Parse(perBatch, CultureInfo.InvariantCulture), devices),
    ["bench", var db, var devices, var batches, var perBatch] =>
        await Bench(db, int.Parse(devices, CultureInfo.InvariantCulture), ulong.Parse(batches, CultureInfo.InvariantCulture), int.Parse(perBatch, CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: stream <db> <tenant> <last-sequence> <events-per-batch> <device>:<first-sequence> ... | bench <db> <devices> <batches> <events-per-batch>");
    return 2;
}

static async Task<int> Stream(string dbPath, TenantId tenant, ulong last, int perBatch, string[] devices)
{
    using var store = new SqliteEventStore(SqliteDatabase.Open(dbPath));
    await using var pipeline = new IngestPipeline(store, NullEventSink.Instance);
    TenantScope scope = TenantScope.For(tenant);
    await Task.WhenAll(devices.Select(spec =>
    {
        string[] parts = spec.Split(':');
        return Send(pipeline, scope, DeviceId.Parse(parts[0]), ulong.Parse(parts[1], CultureInfo.InvariantCulture), last, perBatch, print: true);
    }));
    Console.Out.WriteLine("DONE");
    return 0;
}

static async Task<int> Bench(string dbPath, int devices, ulong batches, int perBatch)
{
    using var store = new SqliteEventStore(SqliteDatabase.Open(dbPath));
    await using var pipeline = new IngestPipeline(store, NullEventSink.Instance, new IngestOptions { DeviceEventsPerSecond = 0 });
    TenantScope scope = TenantScope.For(TenantId.New());
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, devices).Select(_ => Send(pipeline, scope, DeviceId.New(), 1, batches, perBatch, print: false)));
    double seconds = watch.Elapsed.TotalSeconds;
    IngestCounters.Snapshot c = pipeline.Counters;
    Console.Out.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{c.EventsStored} events in {c.BatchesStored} batches, {c.Groups} transactions, {seconds:F2} s: {c.EventsStored / seconds:F0} events/s, {(double)c.BatchesStored / c.Groups:F1} batches per transaction"));
    return 0;
}

static async Task Send(IngestPipeline pipeline, TenantScope scope, DeviceId device, ulong first, ulong last, int perBatch, bool print)
{
    var window = new Queue<Task<IngestResult>>();
    for (ulong s = first; s <= last; s++)
    {
        if (window.Count == 8)
        {
            Report(await window.Dequeue());
        }

        window.Enqueue(pipeline.SubmitAsync(new IngestBatch(scope, device, s, DriverEvents.Batch(s, perBatch))).AsTask());
    }

    while (window.Count > 0)
    {
        Report(await window.Dequeue());
    }

    void Report(IngestResult result)
    {
        if (result.Status == IngestStatus.Rejected)
        {
            throw new InvalidOperationException($"rejected: {result.Message}");
        }

        if (print)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACK {device} {result.Ack}"));
        }
    }
}

/// <summary>Deterministic, realistic-looking process events whose Seq and Idx fields name their place.</summary>
internal static class DriverEvents
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public static TelemetryEvent[] Batch(ulong sequence, int count)
    {
        var events = new TelemetryEvent[count];
        for (int i = 0; i < count; i++)
        {
            events[i] = new TelemetryEvent(
                T0.AddSeconds(sequence).AddMilliseconds(i),
                new LogSource("windows", "process_creation", ""),
                [
                    new EventField("Image", EventValue.From(@"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE")),
                    new EventField("CommandLine", EventValue.From($"\"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE\" /dde C:\\Users\\yamada\\Documents\\予算{sequence}-{i}.xlsx")),
                    new EventField("ParentImage", EventValue.From(@"C:\Windows\explorer.exe")),
                    new EventField("User", EventValue.From(@"CITY\yamada")),
                    new EventField("ProcessId", EventValue.From(4000L + i)),
                    new EventField("ParentProcessId", EventValue.From(1234L)),
                    new EventField("IntegrityLevel", EventValue.From("Medium")),
                    new EventField("Hashes", EventValue.From("SHA256=9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")),
                    new EventField("Seq", EventValue.From((long)sequence)),
                    new EventField("Idx", EventValue.From((long)i)),
                ]);
        }

        return events;
    }
}
