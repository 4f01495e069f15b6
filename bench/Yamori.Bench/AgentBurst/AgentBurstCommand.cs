using System.Diagnostics;
using System.Globalization;
using Yamori.Agent.Linux.Processes;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Bench.AgentBurst;

/// <summary>
/// <c>agent-burst</c>: N short-lived execs (/bin/true from a shell loop) while the agent's process
/// collector and Debian's auditd watch the same burst; prints what each captured.
/// </summary>
internal static class AgentBurstCommand
{
    public const string Usage = """
          agent-burst [--count N] [--no-auditd] [--priority rt|nice|none] [--audit-fallback auto|enable|off]
                     N short-lived execs (default 10000) in one burst, counted by the agent's process
                     collector (netlink proc connector) and, in the same run, by auditd with
                     `-a exit,always -F arch=b64 -S execve` (needs root; apt-get install auditd);
                     --priority: the collector's receive thread under SCHED_RR 1 (default), nice -10, or neither
                     --audit-fallback: command lines of execs gone from /proc taken from audit EXECVE
                     records where auditing is on (auto, the default), enabling it (enable), or never (off)
          agent-burst --connections N [--rate R]
                     instead: N loopback TCP connections (default 5000) at R/s (default 500) under the
                     network collector: connects/accepts seen, attributed, the collector's own time
        """;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        int count = Args.Int(args, "--count", 10_000);
        bool withAuditd = !args.Contains("--no-auditd");
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Console.Error.WriteLine("agent-burst needs Linux and root");
            return 1;
        }

        Console.WriteLine(Machine.Describe());
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        if (args.Contains("--connections"))
        {
            return await ConnectionRun.RunAsync(Args.Int(args, "--connections", 5000), Args.Int(args, "--rate", 500));
        }

        string marker = "yamori-burst-" + Guid.NewGuid().ToString("N")[..10];
        using AuditdRun? auditd = withAuditd ? AuditdRun.Start() : null;
        long lostBefore = withAuditd ? AuditdRun.Lost() : 0;

        // --priority rt (the collector's default) | nice (nice -10 only) | none: the receive thread's scheduling.
        string priority = Args.String(args, "--priority", "rt");
        var options = priority switch
        {
            "rt" => new ProcessCollectorOptions(),
            "nice" => new ProcessCollectorOptions { ReceiveThreadRealtimePriority = null },
            "none" => new ProcessCollectorOptions { ReceiveThreadRealtimePriority = null, ReceiveThreadNice = null },
            _ => throw new ArgumentException($"--priority must be rt, nice or none, not '{priority}'"),
        };
        // --audit-fallback auto (the collector's default: only where auditing is on, as under auditd) | enable | off.
        options = Args.String(args, "--audit-fallback", "auto") switch
        {
            "auto" => options,
            "enable" => options with { AuditFallback = AuditFallbackMode.EnableAudit },
            "off" => options with { AuditFallback = AuditFallbackMode.Off },
            string other => throw new ArgumentException($"--audit-fallback must be auto, enable or off, not '{other}'"),
        };
        var collector = new ProcessCollector(options);
        var sink = new CountingSink(marker);
        using var stop = new CancellationTokenSource();
        Task run = Task.Run(() => collector.RunAsync(sink, stop.Token));
        await collector.Started;

        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using (Process sh = Process.Start("/bin/sh", ["-c", $"i=0; while [ $i -lt {count} ]; do /bin/true {marker} $i; i=$((i+1)); done"]))
        {
            sink.ParentPid = sh.Id.ToString(CultureInfo.InvariantCulture);
            await sh.WaitForExitAsync();
            TimeSpan burst = clock.Elapsed;
            Console.WriteLine($"burst: {count} execs in {burst.TotalSeconds:F1} s ({count / burst.TotalSeconds:F0} execs/s), parent pid {sh.Id}");

            // Settled: nothing new for two seconds (the collector drains its socket, auditd flushes).
            int last = -1;
            while (sink.ByParent != last)
            {
                last = sink.ByParent;
                await Task.Delay(2000);
            }

            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            await stop.CancelAsync();
            await run;

            double pct(long n) => 100.0 * n / count;
            Console.WriteLine($"yamori: {sink.ByParent} execs seen ({pct(sink.ByParent):F2} %), {sink.WithCommandLine} with command line ({pct(sink.WithCommandLine):F2} %), {sink.WithImage} with image");
            Console.WriteLine($"        overruns {collector.Overruns}, dropped {collector.Dropped}, /proc gone {collector.ProcGone}, collector CPU {cpu.TotalSeconds:F2} s over {clock.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine($"        audit fallback {collector.AuditFallbackState}: {collector.CommandLinesFromAudit} command lines from audit, {collector.CommandLinesMissing} without; feed overruns {collector.AuditFeed?.Overruns ?? 0}, events without EOE {collector.AuditFeed?.WithoutEoe ?? 0}");
            if (auditd is not null)
            {
                await Task.Delay(1000);
                (int execve, int syscall) = auditd.Count(marker, sh.Id);
                long lost = AuditdRun.Lost() - lostBefore;
                Console.WriteLine($"auditd: {execve} EXECVE records with the marker ({pct(execve):F2} %), {syscall} execve SYSCALL records, kernel lost {lost}");
                Console.WriteLine($"ratio yamori/auditd (EXECVE): {(execve == 0 ? double.NaN : (double)sink.ByParent / execve):F4}");
            }
        }

        return 0;
    }

    /// <summary>Counts the burst's events; keeps none (a 10,000-event list would distort nothing, but is not needed).</summary>
    private sealed class CountingSink(string marker) : ITelemetrySink
    {
        private int _byParent;
        private int _withCommandLine;
        private int _withImage;

        public string? ParentPid { get; set; }

        public int ByParent => Volatile.Read(ref _byParent);

        public int WithCommandLine => Volatile.Read(ref _withCommandLine);

        public int WithImage => Volatile.Read(ref _withImage);

        public bool Publish(FlatEvent telemetry, EventPriority priority)
        {
            if (telemetry.TryGetField("ParentProcessId", out FieldValue ppid) && ppid.Text == ParentPid)
            {
                Interlocked.Increment(ref _byParent);
                if (telemetry.TryGetField("CommandLine", out FieldValue cl) && cl.Text?.Contains(marker, StringComparison.Ordinal) == true)
                {
                    Interlocked.Increment(ref _withCommandLine);
                }

                if (telemetry.TryGetField("Image", out _))
                {
                    Interlocked.Increment(ref _withImage);
                }
            }

            return true;
        }
    }
}
