using System.Text;
using Yamori.Agent.Linux.Files;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Linux.Files;

public sealed class FileOverflowAndUnitTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("yamori-file-ovf-");

    public void Dispose() => _temp.Delete(recursive: true);

    [SkippableFact]
    public async Task A_kernel_queue_overflow_is_counted()
    {
        FileCollectorTests.SkipUnlessRoot();
        string dir = _temp.FullName;
        using var gate = new ManualResetEventSlim(false);
        var sink = new BlockingSink(gate);
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(dir)] });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));

            // The sink holds the collector on the first event, so the kernel queue (16384 events) fills up for real.
            await FileCollectorTests.Run("/usr/bin/perl", "-e", "chdir $ARGV[0] or die; for my $i (1..20000) { open(my $f, '>', \"f$i\") or die; close $f; }", dir);
            Assert.True(sink.FirstArrived.Wait(TimeSpan.FromSeconds(30)), "no event reached the sink");
            gate.Set();
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while (collector.Overflows == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        Assert.True(collector.Overflows >= 1, $"no overflow counted after 20000 creates against a stalled reader ({collector.Published} published)");
        Assert.True(collector.Published < 20000, "every create was delivered, so the queue never overflowed");
    }

    [SkippableFact]
    public async Task An_exited_process_keeps_its_pid_and_gets_the_fallback_image()
    {
        FileCollectorTests.SkipUnlessRoot();
        string dir = _temp.FullName;
        using var gate = new ManualResetEventSlim(false);
        var sink = new BlockingSink(gate);
        var asked = new System.Collections.Concurrent.ConcurrentBag<int>();
        var collector = new FileCollector(new FileCollectorOptions
        {
            Directories = [new WatchedDirectory(dir)],
            ImageFallback = pid => { asked.Add(pid); return "/from/process/table"; },
        });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            await FileCollectorTests.Run("/bin/sh", "-c", ": > \"$1/first\"", "sh", dir);
            Assert.True(sink.FirstArrived.Wait(TimeSpan.FromSeconds(30)), "no event reached the sink");

            // While the collector is held, this process runs, writes and is reaped: its /proc entry is gone.
            using var sh = FileCollectorTests.Start("/bin/sh", "-c", ": > \"$1/second\"", "sh", dir);
            int pid = sh.Id;
            await FileCollectorTests.Finish(sh);
            gate.Set();
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (!sink.Events.Any(e => e.Field("TargetFilename") == Path.Combine(dir, "second")) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            FlatEvent second = sink.Events.Single(e => e.Field("TargetFilename") == Path.Combine(dir, "second"));
            Assert.Equal(pid.ToString(), second.Field("ProcessId"));
            Assert.Equal("/from/process/table", second.Field("Image"));
            Assert.Contains(pid, asked);
        }
    }

    [Fact]
    public void Coalescer_counts_per_process_and_file_and_releases_in_order()
    {
        var c = new ModifyCoalescer(TimeSpan.FromSeconds(2), maxPending: 2);
        Assert.Null(c.Add(new PendingModify(1, "/a", "/bin/x", "root", false, DateTimeOffset.UnixEpoch), nowMs: 0));
        Assert.True(c.TryBump(1, "/a"));
        Assert.True(c.TryBump(1, "/a"));
        Assert.False(c.TryBump(2, "/a"));
        Assert.Null(c.Add(new PendingModify(2, "/a", "/bin/y", "root", false, DateTimeOffset.UnixEpoch), nowMs: 500));
        Assert.Null(c.TakeDue(1999));
        Assert.Equal(2000, c.NextDueMs);

        // A third distinct entry pushes the oldest out early.
        PendingModify? pushed = c.Add(new PendingModify(3, "/b", "/bin/z", null, false, DateTimeOffset.UnixEpoch), nowMs: 600);
        Assert.Equal((1, "/a", 3), (pushed!.Pid, pushed.Path, pushed.Count));
        Assert.Equal(2, c.TakeForPath("/a")!.Pid);
        Assert.Null(c.TakeForPath("/a"));
        Assert.Null(c.TakeDue(2599));
        Assert.Equal(3, c.TakeDue(2600)!.Pid);
        Assert.Equal(0, c.Count);
    }

    [Theory]
    [InlineData("Name:\tx\nUmask:\t0022\nState:\tS\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n", 0u)]
    [InlineData("Name:\tx\nUid:\t0\t1001\t1001\t1001\n", 1001u)]
    public void Effective_uid_is_the_second_uid_column(string status, uint expected)
    {
        Assert.True(ProcessIdentity.ParseEffectiveUid(Encoding.ASCII.GetBytes(status), out uint uid));
        Assert.Equal(expected, uid);
    }

    [SkippableFact]
    public void Own_status_has_a_parseable_uid()
    {
        Skip.IfNot(OperatingSystem.IsLinux());
        byte[] status = System.IO.File.ReadAllBytes("/proc/self/status");
        Assert.True(ProcessIdentity.ParseEffectiveUid(status, out uint uid));
        Assert.Equal(Environment.IsPrivilegedProcess, uid == 0);
    }

    private sealed class BlockingSink(ManualResetEventSlim gate) : ITelemetrySink
    {
        private int _count;

        public ManualResetEventSlim FirstArrived { get; } = new(false);

        public System.Collections.Concurrent.ConcurrentQueue<FlatEvent> Events { get; } = new();

        public bool Publish(FlatEvent telemetry, EventPriority priority)
        {
            Events.Enqueue(telemetry);
            if (Interlocked.Increment(ref _count) == 1)
            {
                FirstArrived.Set();
                gate.Wait(TimeSpan.FromSeconds(120));
            }

            return true;
        }
    }
}
