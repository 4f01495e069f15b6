using System.Diagnostics;
using Yamori.Agent.Linux.Logon;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Linux.Logon;

/// <summary>wtmp/btmp written by util-linux's utmpdump (glibc's pututxline layout) and auth logs written, rotated and truncated for real.</summary>
public sealed class LogonFileTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("yamori-logon-");

    public void Dispose() => _temp.Delete(recursive: true);

    [SkippableFact]
    public async Task Wtmp_and_btmp_records_written_by_utmpdump_become_logon_events()
    {
        Skip.IfNot(System.IO.File.Exists("/usr/bin/utmpdump"), "utmpdump (util-linux) is not installed");
        string wtmp = Path.Combine(_temp.FullName, "wtmp"), btmp = Path.Combine(_temp.FullName, "btmp");
        // Already there when the collector starts: history, not news.
        await Undump(wtmp, "[7] [00100] [ts/0] [olduser ] [pts/0       ] [203.0.113.1         ] [203.0.113.1    ] [2026-01-01T00:00:00,000000+00:00]");
        await Undump(btmp, string.Empty);
        var sink = new CollectingSink();
        var collector = new LogonCollector(new LogonCollectorOptions { WtmpPath = wtmp, BtmpPath = btmp, AuthLogPaths = [], PollInterval = TimeSpan.FromMilliseconds(100) });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            await Undump(wtmp,
                "[7] [12345] [ts/1] [alice   ] [pts/1       ] [192.0.2.10          ] [192.0.2.10     ] [2026-11-26T09:00:00,250000+00:00]\n" +
                "[8] [12345] [ts/1] [        ] [pts/1       ] [                    ] [0.0.0.0        ] [2026-11-26T09:05:00,000000+00:00]\n" +
                "[7] [00777] [tty1] [bob     ] [tty1        ] [                    ] [0.0.0.0        ] [2026-11-26T09:06:00,000000+00:00]");
            await Undump(btmp, "[6] [04242] [    ] [mallory ] [ssh:notty   ] [2001:db8::5         ] [2001:db8::5    ] [2026-11-26T09:07:00,000000+00:00]");

            FlatEvent alice = sink.WaitFor(e => e.Field("User") == "alice", "alice's ssh login").Event;
            Assert.Equal(new LogSourceHint("linux", "logon", null), alice.Source);
            Assert.Equal("success", alice.Field("Outcome"));
            Assert.Equal("ssh", alice.Field("LogonType"));
            Assert.Equal("192.0.2.10", alice.Field("SourceIp"));
            Assert.Equal("12345", alice.Field("ProcessId"));
            Assert.Equal("pts/1", alice.Field("Terminal"));
            Assert.Equal(new DateTimeOffset(2026, 11, 26, 9, 0, 0, 250, TimeSpan.Zero), alice.Timestamp);

            FlatEvent bob = sink.WaitFor(e => e.Field("User") == "bob", "bob's console login").Event;
            Assert.Equal("console", bob.Field("LogonType"));
            Assert.Null(bob.Field("SourceIp"));

            FlatEvent mallory = sink.WaitFor(e => e.Field("User") == "mallory", "mallory's failed ssh login").Event;
            Assert.Equal("failure", mallory.Field("Outcome"));
            Assert.Equal("ssh", mallory.Field("LogonType"));
            Assert.Equal("2001:db8::5", mallory.Field("SourceIp"));
            Assert.Equal("4242", mallory.Field("ProcessId"));
        }

        // The logout record (type 8) and the pre-existing record are not logons seen now.
        Assert.Equal(3, sink.Snapshot().Count);
        Assert.DoesNotContain(sink.Snapshot(), x => x.Event.Field("User") == "olduser");
        Assert.All(sink.Snapshot(), x => Assert.Equal(EventPriority.Normal, x.Priority));
    }

    [Fact]
    public async Task Auth_log_is_followed_across_partial_lines_rotation_and_truncation()
    {
        string log = Path.Combine(_temp.FullName, "auth.log");
        await System.IO.File.WriteAllTextAsync(log, "Nov 26 08:00:00 host sshd[1]: Failed password for old from 10.0.0.1 port 1 ssh2\n");
        var sink = new CollectingSink();
        var collector = new LogonCollector(new LogonCollectorOptions { WtmpPath = null, BtmpPath = null, AuthLogPaths = [log], PollInterval = TimeSpan.FromMilliseconds(100) });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            await Append(log, "Nov 26 09:00:01 host sshd[200]: Failed password for invalid user admin from 198.51.100.9 port 50522 ssh2\n");
            FlatEvent first = sink.WaitFor(e => e.Field("User") == "admin", "the appended line").Event;
            Assert.Equal(new LogSourceHint("linux", null, "sshd"), first.Source);
            Assert.Equal("failure", first.Field("Outcome"));
            Assert.Equal("198.51.100.9", first.Field("SourceIp"));
            Assert.Equal("200", first.Field("ProcessId"));
            Assert.StartsWith("Nov 26 09:00:01 host sshd[200]: Failed password", first.Field("Message"), StringComparison.Ordinal);

            // A line written in two pieces is one line.
            await Append(log, "Nov 26 09:00:02 host su[300]: FAILED SU (to root) ca");
            await Append(log, "rol on pts/3\n");
            FlatEvent su = sink.WaitFor(e => e.Field("LogonType") == "su", "the su line").Event;
            Assert.Equal("carol", su.Field("User"));
            Assert.Equal("root", su.Field("TargetUser"));
            Assert.Equal(new LogSourceHint("linux", null, "auth"), su.Source);

            // Rotation as logrotate does it: rename, the old writer still appends once, then a new file.
            System.IO.File.Move(log, log + ".1");
            await Append(log + ".1", "Nov 26 09:00:03 host sudo[400]:     dave : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/dave ; USER=root ; COMMAND=/usr/bin/id\n");
            await Append(log, "2026-11-26T09:00:04.123456+09:00 host sshd[500]: Accepted publickey for erin from 192.0.2.33 port 40000 ssh2: ED25519 SHA256:abc\n");
            FlatEvent sudo = sink.WaitFor(e => e.Field("User") == "dave", "the line appended to the rotated file").Event;
            Assert.Equal(new LogSourceHint("linux", null, "sudo"), sudo.Source);
            Assert.Equal("failure", sudo.Field("Outcome"));
            FlatEvent erin = sink.WaitFor(e => e.Field("User") == "erin", "the first line of the new file").Event;
            Assert.Equal("success", erin.Field("Outcome"));
            Assert.Equal(new DateTimeOffset(2026, 11, 26, 9, 0, 4, TimeSpan.FromHours(9)).AddTicks(1234560), erin.Timestamp);

            // copytruncate: the file is cut to zero in place and written again.
            await System.IO.File.WriteAllTextAsync(log, string.Empty);
            await WaitUntil(() => collector.Rotations >= 2, "the truncation to be noticed");
            await Append(log, "Nov 26 09:00:05 host useradd[600]: new user: name=x, UID=1001, GID=1001, home=/home/x, shell=/bin/sh, from=/dev/pts/0\n");
            FlatEvent useradd = sink.WaitFor(e => e.Field("ProcessName") == "useradd", "the line after truncation").Event;
            Assert.Null(useradd.Field("Outcome"));
        }

        Assert.DoesNotContain(sink.Snapshot(), x => x.Event.Field("User") == "old");
        Assert.Equal(5, sink.Snapshot().Count);
        Assert.Equal(2, collector.Rotations);
    }

    [SkippableFact]
    public async Task With_a_state_file_what_was_written_while_stopped_is_reported_after_restart()
    {
        Skip.IfNot(System.IO.File.Exists("/usr/bin/utmpdump"), "utmpdump (util-linux) is not installed");
        string log = Path.Combine(_temp.FullName, "auth.log"), btmp = Path.Combine(_temp.FullName, "btmp"), state = Path.Combine(_temp.FullName, "logon.state");
        await System.IO.File.WriteAllTextAsync(log, "Nov 26 08:00:00 host sshd[1]: Failed password for before from 10.0.0.1 port 1 ssh2\n");
        await Undump(btmp, string.Empty);
        LogonCollectorOptions options = new() { WtmpPath = null, BtmpPath = btmp, AuthLogPaths = [log], StatePath = state, PollInterval = TimeSpan.FromMilliseconds(100) };

        var first = new CollectingSink();
        var collector = new LogonCollector(options);
        await using (new CollectorRun(collector, first))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            await Append(log, "Nov 26 09:00:00 host sshd[2]: Failed password for during from 10.0.0.2 port 2 ssh2\n");
            first.WaitFor(e => e.Field("User") == "during", "the line written while running");
        }

        // Stopped: a line, half a line and a failed login arrive.
        await Append(log, "Nov 26 09:01:00 host sshd[3]: Failed password for stopped from 10.0.0.3 port 3 ssh2\nNov 26 09:02:00 host sshd[4]: Accepted password for ha");
        await Undump(btmp, "[6] [00005] [    ] [offline ] [ssh:notty   ] [10.0.0.5            ] [10.0.0.5       ] [2026-11-26T09:03:00,000000+00:00]");

        var second = new CollectingSink();
        collector = new LogonCollector(options);
        await using (new CollectorRun(collector, second))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            second.WaitFor(e => e.Field("User") == "stopped", "the line written while stopped");
            second.WaitFor(e => e.Field("User") == "offline", "the btmp record written while stopped");
            await Append(log, "lf from 10.0.0.4 port 4 ssh2\n");
            second.WaitFor(e => e.Field("User") == "half", "the line completed after restart");
        }

        Assert.DoesNotContain(second.Snapshot(), x => x.Event.Field("User") is "before" or "during");
        Assert.Equal(3, second.Snapshot().Count);
    }

    [Fact]
    public void Bad_options_are_refused_with_the_reason()
    {
        Assert.Contains("no source", Assert.Throws<ArgumentException>(() => new LogonCollector(new LogonCollectorOptions { WtmpPath = null, BtmpPath = null, AuthLogPaths = [] })).Message, StringComparison.Ordinal);
        Assert.Contains("absolute", Assert.Throws<ArgumentException>(() => new LogonCollector(new LogonCollectorOptions { WtmpPath = "wtmp" })).Message, StringComparison.Ordinal);
    }

    internal static async Task Undump(string file, string text)
    {
        // utmpdump -r parses the text and writes binary records with glibc's layout.
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("utmpdump -r >> \"$1\"");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(file);
        using Process p = Process.Start(psi)!;
        if (text.Length > 0)
        {
            await p.StandardInput.WriteLineAsync(text);
        }

        p.StandardInput.Close();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(p.ExitCode == 0, "utmpdump -r failed: " + await p.StandardError.ReadToEndAsync());
    }

    private static async Task Append(string file, string text) => await System.IO.File.AppendAllTextAsync(file, text);

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }
}
