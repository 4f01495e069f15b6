using System.Globalization;
using System.Security.Cryptography;
using Yamori.Agent.Linux.Processes;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;
using SysProcess = System.Diagnostics.Process;

namespace Yamori.Agent.Tests.Linux.Processes;

/// <summary>The process collector against the real kernel: real processes, real /proc.</summary>
public sealed class ProcessCollectorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static bool IsPid(FlatEvent e, int pid) =>
        e.Source.Category == "process_creation" && e.Get("ProcessId") == pid.ToString(CultureInfo.InvariantCulture);

    [SkippableFact]
    public async Task A_started_shell_and_its_child_carry_SigmaHQ_process_creation_fields()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        var collector = new ProcessCollector();
        var sink = new RecordingSink();
        var (run, stop) = await LinuxTestSupport.StartAsync(collector, sink);
        string marker = LinuxTestSupport.Marker();
        string cwd = Directory.CreateTempSubdirectory("yamori-proc-").FullName;
        try
        {
            string script = $"sleep 0.2; : {marker}";
            using SysProcess sh = LinuxTestSupport.Start("/bin/sh", ["-c", script], cwd);
            int shPid = sh.Id;
            await sh.WaitForExitAsync();

            var (e, priority) = await sink.WaitForAsync(ev => IsPid(ev, shPid), Timeout, "the shell");
            string shImage = LinuxTestSupport.RealPath("/bin/sh");
            Assert.Equal(EventPriority.Normal, priority);
            Assert.Equal(new LogSourceHint("linux", "process_creation", null), e.Source);
            Assert.Equal(shImage, e.Get("Image"));
            Assert.Equal($"/bin/sh -c {script}", e.Get("CommandLine"));
            Assert.Equal(cwd, e.Get("CurrentDirectory"));
            Assert.Equal("root", e.Get("User"));
            Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), e.Get("ParentProcessId"));
            Assert.Equal(Environment.ProcessPath is { } self ? LinuxTestSupport.RealPath(self) : null, e.Get("ParentImage"));
            Assert.Equal("SHA256=" + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(shImage))), e.Get("Hashes"));
            Assert.NotNull(e.Timestamp);
            Assert.InRange(e.Timestamp!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));

            // The shell's child: its parent is the shell, known from the shell's own event.
            var (sleep, _) = await sink.WaitForAsync(
                ev => ev.Source.Category == "process_creation" && ev.Get("ParentProcessId") == shPid.ToString(CultureInfo.InvariantCulture),
                Timeout,
                "the shell's sleep");
            Assert.Equal(LinuxTestSupport.RealPath("/bin/sleep"), sleep.Get("Image"));
            Assert.Equal("sleep 0.2", sleep.Get("CommandLine"));
            Assert.Equal(shImage, sleep.Get("ParentImage"));
            Assert.Equal($"/bin/sh -c {script}", sleep.Get("ParentCommandLine"));
            Assert.Equal(0, collector.Dropped);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            Directory.Delete(cwd, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_burst_of_2000_short_lived_execs_is_seen_in_full()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        const int Count = 2000;
        var collector = new ProcessCollector();
        var sink = new RecordingSink();
        var (run, stop) = await LinuxTestSupport.StartAsync(collector, sink);
        try
        {
            string marker = LinuxTestSupport.Marker();
            using SysProcess sh = LinuxTestSupport.Start(
                "/bin/sh",
                ["-c", $"i=0; while [ $i -lt {Count} ]; do /bin/true {marker} $i; i=$((i+1)); done"]);
            string parent = sh.Id.ToString(CultureInfo.InvariantCulture);
            await sh.WaitForExitAsync();

            // By parent pid: the kernel's fork event gives it even when /proc had gone.
            int seen = await sink.WaitForCountAsync(e => e.Source.Category == "process_creation" && e.Get("ParentProcessId") == parent, Count, Timeout);
            int withMarker = sink.Count(e => e.Get("CommandLine")?.Contains(marker, StringComparison.Ordinal) == true);
            Assert.True(seen >= Count * 999 / 1000, $"saw {seen} of {Count} execs ({withMarker} with command line, overruns {collector.Overruns}, proc gone {collector.ProcGone})");
            Assert.Equal(0, collector.Dropped);

            // Every event whose /proc could be read has the right image and its own unique argument.
            var lines = sink.Events.Select(e => e.Event.Get("CommandLine")).Where(c => c?.Contains(marker, StringComparison.Ordinal) == true).ToHashSet();
            Assert.Equal(withMarker, lines.Count);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [SkippableFact]
    public async Task A_process_gone_before_proc_is_read_still_yields_an_event_with_its_parent()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        // Without the audit fallback (ProcessAuditFallbackTests covers it): auditing may be on while this runs.
        var collector = new ProcessCollector(new ProcessCollectorOptions { EmitTerminations = true, AuditFallback = AuditFallbackMode.Off });
        var sink = new RecordingSink();
        using var gate = new ManualResetEventSlim(initialState: true);
        collector.BeforeCapture = _ => gate.Wait(Timeout);
        var (run, stop) = await LinuxTestSupport.StartAsync(collector, sink);
        try
        {
            string marker = LinuxTestSupport.Marker();
            (FlatEvent echo, string shPid) = await ExitedChild.RunAsync(sink, gate, marker, null, Timeout);
            Assert.Null(echo.Get("CommandLine"));
            Assert.Null(echo.Get("Image"));
            Assert.NotNull(echo.Get("ProcessId"));
            Assert.Equal(LinuxTestSupport.RealPath("/bin/sh"), echo.Get("ParentImage"));
            Assert.Equal($"/bin/sh -c read line; /bin/echo {marker}", echo.Get("ParentCommandLine"));
            Assert.True(collector.ProcGone >= 1);

            var (exit, priority) = await sink.WaitForAsync(e => e.Source.Category == "process_termination" && e.Get("ProcessId") == shPid, Timeout, "the shell's exit");
            Assert.Equal(EventPriority.Low, priority);
            Assert.Equal("0", exit.Get("ExitCode"));
        }
        finally
        {
            gate.Set();
            await stop.CancelAsync();
            await run;
        }
    }

    [SkippableFact]
    public void The_process_snapshot_lists_this_process_with_its_parent_user_and_start()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        IReadOnlyList<ProcessInfo> list = ProcessSnapshot.List();
        ProcessInfo self = Assert.Single(list, p => p.ProcessId == Environment.ProcessId);
        using SysProcess me = SysProcess.GetCurrentProcess();
        Assert.Equal(LinuxTestSupport.RealPath(Environment.ProcessPath!), self.Image);
        Assert.Equal("root", self.User);
        Assert.Equal(0u, self.Uid);
        Assert.True(self.ParentProcessId > 0);
        Assert.Contains(Environment.GetCommandLineArgs()[^1], self.CommandLine, StringComparison.Ordinal);
        Assert.InRange(self.StartTime, me.StartTime.ToUniversalTime().AddSeconds(-2), me.StartTime.ToUniversalTime().AddSeconds(2));
        Assert.Contains(list, p => p.ProcessId == 1);
        Assert.Contains(list, p => p.Image is null && p.CommandLine.StartsWith('['));
    }
}
