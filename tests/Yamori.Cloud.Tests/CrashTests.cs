using System.Diagnostics;
using System.Globalization;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests;

/// <summary>
/// kill -9 of the cloud mid-stream: a separate process (Yamori.Cloud.IngestDriver) streams batches
/// of several devices through the real pipeline into a SQLite file and prints each ack; it is
/// SIGKILLed twice, restarted each time re-sending from a little before its last printed ack (as an
/// agent re-sends what it has not seen acknowledged), and finally runs to the end.
/// </summary>
[Collection(nameof(CrashTests))]
public sealed class CrashTests : IDisposable
{
    private const ulong LastSequence = 600;
    private const int PerBatch = 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly TempDatabase _temp = new();
    private readonly TenantId _tenant = TenantId.New();
    private readonly DeviceId[] _devices = [DeviceId.New(), DeviceId.New(), DeviceId.New(), DeviceId.New()];

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Acknowledged_events_survive_SIGKILL_and_are_stored_exactly_once()
    {
        Dictionary<DeviceId, ulong> resumeFrom = _devices.ToDictionary(d => d, _ => 1UL);
        foreach (int killAfter in new[] { 60, 150 })
        {
            Run run = await RunDriver(resumeFrom, killAfterAcks: killAfter);
            Assert.False(run.Finished, "the driver finished before it could be killed; make the stream longer");
            Assert.True(run.Acks.Count > 0, "no acks before the kill: " + run.Stderr);

            foreach ((DeviceId device, ulong acked) in run.Acks)
            {
                // Everything acknowledged before the kill is there, once, after recovery.
                IReadOnlyList<StoredEvent> stored = await StoredEvents(device);
                ulong watermark = await Watermark(device);
                Assert.True(watermark >= acked, $"device {device}: acked {acked} but the store's watermark is {watermark}; stderr: {run.Stderr}");
                AssertExactlyOnce(stored.Where(e => e.Sequence <= acked).ToList(), acked, device);
                resumeFrom[device] = Math.Max(resumeFrom[device], acked > 3 ? acked - 3 : 1);
            }
        }

        Run final = await RunDriver(resumeFrom, killAfterAcks: null);
        Assert.True(final.Finished && final.ExitCode == 0, $"the last run did not finish (exit {final.ExitCode}): {final.Stderr}");

        foreach (DeviceId device in _devices)
        {
            Assert.Equal(LastSequence, await Watermark(device));
            AssertExactlyOnce(await StoredEvents(device), LastSequence, device);
        }

        using var store = new SqliteEventStore(SqliteDatabase.Open(_temp.Path));
        Assert.Empty(await store.QueryGapsAsync(TenantScope.For(_tenant), null));
    }

    private static void AssertExactlyOnce(IReadOnlyList<StoredEvent> stored, ulong throughSequence, DeviceId device)
    {
        Assert.True(
            stored.Count == (int)throughSequence * PerBatch,
            $"device {device}: {stored.Count} events stored for batches 1..{throughSequence}, expected {(int)throughSequence * PerBatch}");
        Assert.Equal(stored.Count, stored.Select(e => (e.Sequence, e.Index)).Distinct().Count());
        foreach (StoredEvent e in stored)
        {
            Assert.True(e.Event.TryGetField("Seq", out EventValue seq) && (ulong)seq.AsInt64 == e.Sequence);
            Assert.True(e.Event.TryGetField("Idx", out EventValue idx) && idx.AsInt64 == e.Index);
        }
    }

    private async Task<IReadOnlyList<StoredEvent>> StoredEvents(DeviceId device)
    {
        using var store = new SqliteEventStore(SqliteDatabase.Open(_temp.Path));
        return await store.QueryEventsAsync(
            TenantScope.For(_tenant),
            new EventQuery(device, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Limit: 1_000_000));
    }

    private async Task<ulong> Watermark(DeviceId device)
    {
        using var store = new SqliteEventStore(SqliteDatabase.Open(_temp.Path));
        return await store.GetWatermarkAsync(TenantScope.For(_tenant), device);
    }

    private async Task<Run> RunDriver(Dictionary<DeviceId, ulong> resumeFrom, int? killAfterAcks)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            Path.Combine(AppContext.BaseDirectory, "Yamori.Cloud.IngestDriver.dll"),
            "stream", _temp.Path, _tenant.ToString(),
            LastSequence.ToString(CultureInfo.InvariantCulture), PerBatch.ToString(CultureInfo.InvariantCulture),
            .. resumeFrom.Select(kv => $"{kv.Key}:{kv.Value}"),
        ];
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var cts = new CancellationTokenSource(Timeout);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync(cts.Token);
        var acks = new Dictionary<DeviceId, ulong>();
        int count = 0;
        bool finished = false;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                if (line == "DONE")
                {
                    finished = true;
                    continue;
                }

                // A line cut short by the kill parses as nothing (or as a lower ack): never as more.
                string[] parts = line.Split(' ');
                if (parts is ["ACK", var device, var ack]
                    && Guid.TryParse(device, out Guid guid)
                    && ulong.TryParse(ack, CultureInfo.InvariantCulture, out ulong acked))
                {
                    var id = new DeviceId(guid);
                    acks[id] = Math.Max(acks.GetValueOrDefault(id), acked);
                    if (++count == killAfterAcks)
                    {
                        process.Kill(); // SIGKILL: no flush, no finally, no shutdown hook
                    }
                }
            }

            await process.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        return new Run(acks, finished, process.ExitCode, await stderr);
    }

    /// <summary>Runs alone: it times a separate process, and SIGKILL tests deserve a quiet machine.</summary>
    [CollectionDefinition(nameof(CrashTests), DisableParallelization = true)]
    public sealed class Serial;

    private sealed record Run(Dictionary<DeviceId, ulong> Acks, bool Finished, int ExitCode, string Stderr);
}
