using System.Globalization;
using Yamori.Agent.Linux.Processes;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;
using Yamori.Tests;
using SysProcess = System.Diagnostics.Process;

namespace Yamori.Agent.Tests.Linux.Processes;

/// <summary>Events from real processes meet SigmaHQ's own linux rules; a kernel buffer overflow is counted.</summary>
public sealed class ProcessSigmaAndOverrunTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task SigmaHQ_linux_process_creation_rules_fire_on_the_collector_events_as_they_are()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        string? sigma = TestData.SigmaHqRoot;
        Skip.If(sigma is null, "SigmaHQ data (../shared/data/sigmahq) not found");
        RuleSet rules = RuleLoader.Load([Path.Combine(sigma!, "rules", "linux", "process_creation")]);
        var session = new SigmaEngine(rules).CreateSession();

        var collector = new ProcessCollector();
        var sink = new RecordingSink();
        var (run, stop) = await LinuxTestSupport.StartAsync(collector, sink);
        string dir = Directory.CreateTempSubdirectory("yamori-sigma-").FullName;
        try
        {
            // A shell binary run from /tmp that decodes base64 and starts a shell: two SigmaHQ rules.
            string tmpShell = Path.Combine(dir, "runner");
            File.Copy(LinuxTestSupport.RealPath("/bin/sh"), tmpShell);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(tmpShell, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }

            using SysProcess p = LinuxTestSupport.Start(tmpShell, ["-c", "echo aGk= | base64 -d >/dev/null; /bin/sh -c true; :"]);
            string parent = p.Id.ToString(CultureInfo.InvariantCulture);
            await p.WaitForExitAsync();

            var (base64, _) = await sink.WaitForAsync(e => e.Get("ParentProcessId") == parent && e.Get("Image")?.EndsWith("/base64", StringComparison.Ordinal) == true, Timeout, "base64");
            var (shell, _) = await sink.WaitForAsync(e => e.Get("ParentProcessId") == parent && e.Get("CommandLine") == "/bin/sh -c true", Timeout, "the shell");
            Assert.Equal(tmpShell, shell.Get("ParentImage"));

            Assert.Contains("Decode Base64 Encoded Text", Titles(session, base64));
            Assert.Contains("Shell Execution Of Process Located In Tmp Directory", Titles(session, shell));
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_kernel_socket_buffer_overflow_is_counted_as_an_overrun()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);

        // A tiny receive buffer and a receive loop held still while 300 execs happen: the kernel
        // must drop datagrams, and the next receive reports ENOBUFS.
        var collector = new ProcessCollector(new ProcessCollectorOptions { ReceiveBufferBytes = 4096 });
        var sink = new RecordingSink();
        using var gate = new ManualResetEventSlim(initialState: true);
        collector.BeforeCapture = _ => gate.Wait(Timeout);
        var (run, stop) = await LinuxTestSupport.StartAsync(collector, sink);
        try
        {
            gate.Reset();
            using SysProcess sh = LinuxTestSupport.Start("/bin/sh", ["-c", "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done"]);
            await sh.WaitForExitAsync();
            gate.Set();

            DateTime deadline = DateTime.UtcNow + Timeout;
            while (collector.Overruns == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.True(collector.Overruns > 0, "no overrun counted although the kernel had to drop events");
        }
        finally
        {
            gate.Set();
            await stop.CancelAsync();
            await run;
        }
    }

    private static List<string> Titles(MatchSession session, FlatEvent e)
    {
        var matches = new List<SigmaRule>();
        _ = session.Match(e, matches);
        return [.. matches.Select(r => r.Header.Title)];
    }
}
