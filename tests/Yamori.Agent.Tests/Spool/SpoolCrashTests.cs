using System.Diagnostics;
using System.Globalization;
using Yamori.Agent.Spool;
using Yamori.Agent.SpoolCrashDriver;
using Yamori.Agent.Telemetry;
using Xunit.Abstractions;

namespace Yamori.Agent.Tests.Spool;

/// <summary>
/// kill -9 mid-append: a separate process (Yamori.Agent.SpoolCrashDriver) appends numbered records
/// with FsyncPolicy.Never, cuts and acknowledges batches, and prints how far it got; it is
/// SIGKILLed, the spool is reopened here, and every record it had appended must be there exactly
/// once, every batch it printed must come back with the same sequence and the same records.
/// Page cache survives the death of a process, so no fsync is needed for this guarantee.
/// </summary>
[Collection(nameof(SpoolCrashTests))]
public sealed class SpoolCrashTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly SpoolFixture _dir = new();
    private readonly ITestOutputHelper _output;

    public SpoolCrashTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(3_000)]
    [InlineData(60_000)]
    public async Task Records_appended_before_SIGKILL_are_all_there_once_and_batches_come_back_unchanged(int killAfter)
    {
        Run run = await RunDriver(killAfter);
        Assert.True(run.LastAppended >= (ulong)killAfter, $"the driver printed only up to {run.LastAppended}: {run.Stderr}");

        using var spool = new SegmentSpool(new SpoolOptions { Directory = _dir.Directory, Fsync = FsyncPolicy.Never, SegmentBytes = 1 << 20 });
        Assert.Equal(0UL, spool.Stats.Dropped.GetValueOrDefault(SegmentSpool.CorruptReason));
        Assert.NotEmpty(run.Batches);
        Assert.NotEmpty(run.Acknowledged);
        _output.WriteLine($"killed after record {run.LastAppended}, {run.Batches.Count} batches cut, {run.Acknowledged.Count} records acknowledged; recovery: {spool.Recovery}");

        // Cut batches come back under the numbers the driver saw, with the same records in the same order.
        IReadOnlyList<SpooledBatch> waiting = spool.Unacknowledged();
        ulong acked = spool.Stats.AcknowledgedSequence;
        Assert.Equal(Contiguous(acked + 1, waiting.Count), waiting.Select(b => b.Sequence));
        foreach (SpooledBatch batch in waiting)
        {
            if (run.Batches.TryGetValue(batch.Sequence, out ulong[]? printed))
            {
                Assert.Equal(printed, batch.Records.Select(Decode));
            }
        }

        Assert.True(run.Batches.Keys.Where(s => s > acked).All(s => waiting.Any(b => b.Sequence == s)), "a batch the driver cut is missing");

        List<ulong> recovered = [.. waiting.SelectMany(b => b.Records).Select(Decode)];
        while (spool.TakeBatch(5000, 4 << 20) is { } batch)
        {
            recovered.AddRange(batch.Records.Select(Decode));
        }

        Assert.Equal(recovered.Count, recovered.Distinct().Count());

        // Acknowledged before the kill, or still in the spool: every record up to the last printed one.
        // Only the numbers of the last "K" line may be in both (printed before its ack could land).
        var all = new HashSet<ulong>(recovered);
        Assert.Empty(all.Intersect(run.Acknowledged.Except(run.LastAcknowledgedLine)));
        all.UnionWith(run.Acknowledged);
        ulong[] missing = [.. Contiguous(1, (int)run.LastAppended).Where(n => !all.Contains(n))];
        Assert.True(missing.Length == 0, $"{missing.Length} records lost, first {string.Join(',', missing.Take(10))}");
        Assert.All(all, n => Assert.True(n <= run.LastAppended + 128, $"record {n} was never appended"));

        // Order within each priority, as cut then as left.
        foreach (IGrouping<EventPriority, ulong> lane in recovered.GroupBy(CrashRecord.PriorityOf))
        {
            Assert.Equal(lane.Order(), lane);
        }
    }

    private static ulong Decode(ReadOnlyMemory<byte> record)
    {
        Assert.True(CrashRecord.IsIntact(record.Span), "a record came back altered");
        return CrashRecord.NumberOf(record.Span);
    }

    private static IEnumerable<ulong> Contiguous(ulong from, int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return from + (ulong)i;
        }
    }

    private async Task<Run> RunDriver(int killAfter)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Yamori.Agent.SpoolCrashDriver.dll"));
        start.ArgumentList.Add("append");
        start.ArgumentList.Add(_dir.Directory);

        using var cts = new CancellationTokenSource(Timeout);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync(cts.Token);
        var run = new Run();
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                // A line cut by the kill lacks its final "." (or its number is short): never trusted as more.
                string[] parts = line.Split(' ');
                if (parts is ["A", var n] && ulong.TryParse(n, CultureInfo.InvariantCulture, out ulong appended))
                {
                    run.LastAppended = Math.Max(run.LastAppended, appended);
                    if (appended >= (ulong)killAfter && !process.HasExited)
                    {
                        process.Kill(); // SIGKILL: no flush, no finally, no Dispose
                    }
                }
                else if (parts is ["B", var seq, .. var numbers, "."])
                {
                    run.Batches[ulong.Parse(seq, CultureInfo.InvariantCulture)] = [.. numbers.Select(x => ulong.Parse(x, CultureInfo.InvariantCulture))];
                }
                else if (parts is ["K", .. var ackedNumbers, "."])
                {
                    run.LastAcknowledgedLine = [.. ackedNumbers.Select(x => ulong.Parse(x, CultureInfo.InvariantCulture))];
                    run.Acknowledged.UnionWith(run.LastAcknowledgedLine);
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

        run.Stderr = await stderr;
        Assert.True(process.ExitCode == 137 || run.LastAppended >= (ulong)killAfter, $"the driver exited on its own ({process.ExitCode}): {run.Stderr}");
        return run;
    }

    /// <summary>Runs alone: SIGKILL tests deserve a quiet machine.</summary>
    [CollectionDefinition(nameof(SpoolCrashTests), DisableParallelization = true)]
    public sealed class Serial;

    private sealed class Run
    {
        public ulong LastAppended { get; set; }

        public Dictionary<ulong, ulong[]> Batches { get; } = [];

        public HashSet<ulong> Acknowledged { get; } = [];

        public ulong[] LastAcknowledgedLine { get; set; } = [];

        public string Stderr { get; set; } = "";
    }
}
