using Yamori.Agent.Linux.Logon;
using Yamori.Agent.Tests.Linux.Files;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Linux.Logon;

/// <summary>Real su, sudo, sshd and useradd, logging through a real rsyslogd and the system's wtmp/btmp.</summary>
[Collection(RealAuthCollection.Name)]
public sealed class RealLogonTests(RealAuthEnvironment env)
{
    private const string PrivilegedUserRule = "0ac15ec3-d24f-4246-aa2a-3077bb1cf90e";

    [SkippableFact]
    public async Task A_failed_su_by_a_normal_user_is_a_logon_failure_in_the_auth_log_and_btmp()
    {
        Skip.If(env.Unavailable is not null, env.Unavailable);
        Skip.IfNot(System.IO.File.Exists("/usr/bin/sshpass"), "sshpass (which types the wrong password into su's terminal) is not installed");
        var sink = new CollectingSink();
        LogonCollector collector = Collector();
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            (int code, string output) = RealAuthEnvironment.Run("/usr/sbin/runuser", "-u", RealAuthEnvironment.UserName, "--", "/usr/bin/sshpass", "-p", "not-the-root-password", "/usr/bin/su", "-c", "true", "root");
            Assert.True(code != 0, "su with a wrong password succeeded: " + output);

            FlatEvent line = sink.WaitFor(e => e.Field("LogonType") == "su" && e.Field("User") == RealAuthEnvironment.UserName, "the FAILED SU line").Event;
            Assert.Equal(new LogSourceHint("linux", null, "auth"), line.Source);
            Assert.Equal("failure", line.Field("Outcome"));
            Assert.Equal("root", line.Field("TargetUser"));
            Assert.Contains("FAILED SU (to root) " + RealAuthEnvironment.UserName, line.Field("Message"), StringComparison.Ordinal);

            // util-linux su also records the attempt in btmp, under the same pid.
            FlatEvent btmp = sink.WaitFor(e => e.Source.Category == "logon" && e.Field("ProcessId") == line.Field("ProcessId"), "su's btmp record").Event;
            Assert.Equal("failure", btmp.Field("Outcome"));
            Assert.Equal("root", btmp.Field("User"));
        }
    }

    [SkippableFact]
    public async Task Failed_and_accepted_ssh_logins_are_reported_from_sshd_the_auth_log_btmp_and_wtmp()
    {
        Skip.If(env.Unavailable is not null, env.Unavailable);
        int? port = env.StartSshd(out string? reason);
        Skip.If(port is null, reason);
        var sink = new CollectingSink();
        LogonCollector collector = Collector();
        string[] ssh = ["/usr/bin/ssh", "-p", port!.Value.ToString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", "-tt", RealAuthEnvironment.UserName + "@127.0.0.1", "true"];
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            (int failed, _) = RealAuthEnvironment.Run("/usr/bin/sshpass", ["-p", "wrong-password", .. ssh]);
            Assert.NotEqual(0, failed);
            FlatEvent failedLine = sink.WaitFor(e => e.Source.Service == "sshd" && e.Field("Outcome") == "failure", "sshd's Failed password line").Event;
            Assert.Equal(RealAuthEnvironment.UserName, failedLine.Field("User"));
            Assert.Equal("127.0.0.1", failedLine.Field("SourceIp"));
            Assert.Equal("ssh", failedLine.Field("LogonType"));
            Assert.StartsWith("Failed password for " + RealAuthEnvironment.UserName, failedLine.Field("Message")![(failedLine.Field("Message")!.IndexOf("]: ", StringComparison.Ordinal) + 3)..], StringComparison.Ordinal);
            FlatEvent btmp = sink.WaitFor(e => e.Source.Category == "logon" && e.Field("Outcome") == "failure" && e.Field("ProcessId") == failedLine.Field("ProcessId"), "sshd's btmp record").Event;
            Assert.Equal(RealAuthEnvironment.UserName, btmp.Field("User"));
            Assert.Equal("ssh", btmp.Field("LogonType"));
            Assert.Equal("127.0.0.1", btmp.Field("SourceIp"));

            (int ok, string output) = RealAuthEnvironment.Run("/usr/bin/sshpass", ["-p", RealAuthEnvironment.Password, .. ssh]);
            Assert.True(ok == 0, "ssh with the right password failed: " + output);
            FlatEvent accepted = sink.WaitFor(e => e.Source.Service == "sshd" && e.Field("Outcome") == "success", "sshd's Accepted password line").Event;
            Assert.Equal(RealAuthEnvironment.UserName, accepted.Field("User"));
            FlatEvent wtmp = sink.WaitFor(e => e.Source.Category == "logon" && e.Field("Outcome") == "success" && e.Field("User") == RealAuthEnvironment.UserName, "sshd's wtmp record").Event;
            Assert.Equal("ssh", wtmp.Field("LogonType"));
            Assert.Equal("127.0.0.1", wtmp.Field("SourceIp"));
            Assert.StartsWith("pts/", wtmp.Field("Terminal"), StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task A_refused_sudo_is_a_logon_failure_with_service_sudo()
    {
        Skip.If(env.Unavailable is not null, env.Unavailable);
        Skip.IfNot(System.IO.File.Exists("/usr/bin/sudo") && System.IO.File.Exists("/usr/bin/sshpass"), "sudo or sshpass is not installed");
        var sink = new CollectingSink();
        LogonCollector collector = Collector();
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            RealAuthEnvironment.Run("/usr/sbin/runuser", "-u", RealAuthEnvironment.UserName, "--", "/usr/bin/sshpass", "-p", "wrong", "/usr/bin/sudo", "-k", "/usr/bin/id");
            FlatEvent sudo = sink.WaitFor(e => e.Field("LogonType") == "sudo", "sudo's refusal").Event;
            Assert.Equal(new LogSourceHint("linux", null, "sudo"), sudo.Source);
            Assert.Equal("failure", sudo.Field("Outcome"));
            Assert.Equal(RealAuthEnvironment.UserName, sudo.Field("User"));
            Assert.Equal("root", sudo.Field("TargetUser"));
            Assert.Contains("COMMAND=/usr/bin/id", sudo.Field("Message"), StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task SigmaHQ_privileged_user_creation_fires_on_useradds_own_log_line()
    {
        Skip.If(env.Unavailable is not null, env.Unavailable);
        SigmaEngine engine = FileSigmaTests.LoadLinuxRules();
        var sink = new CollectingSink();
        LogonCollector collector = Collector();
        const string Privileged = "yamori-sig", Plain = "yamori-plain";
        try
        {
            await using (new CollectorRun(collector, sink))
            {
                await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
                // A new account in the sudo group (GID 27) is what the rule looks for; a plain one is not.
                Assert.Equal(0, RealAuthEnvironment.Run("/usr/sbin/useradd", "-M", "-N", "-g", "27", "-s", "/usr/sbin/nologin", Privileged).ExitCode);
                Assert.Equal(0, RealAuthEnvironment.Run("/usr/sbin/useradd", "-M", "-s", "/usr/sbin/nologin", Plain).ExitCode);
                FlatEvent privileged = sink.WaitFor(e => e.Field("Message")?.Contains($"new user: name={Privileged},", StringComparison.Ordinal) == true, "useradd's line for the sudo-group account").Event;
                FlatEvent plain = sink.WaitFor(e => e.Field("Message")?.Contains($"new user: name={Plain},", StringComparison.Ordinal) == true, "useradd's line for the plain account").Event;
                Assert.Contains(PrivilegedUserRule, FileSigmaTests.Matches(engine, privileged));
                Assert.DoesNotContain(PrivilegedUserRule, FileSigmaTests.Matches(engine, plain));
            }
        }
        finally
        {
            RealAuthEnvironment.Run("/usr/sbin/userdel", Privileged);
            RealAuthEnvironment.Run("/usr/sbin/userdel", Plain);
        }
    }

    private LogonCollector Collector() => new(new LogonCollectorOptions
    {
        WtmpPath = "/var/log/wtmp",
        BtmpPath = "/var/log/btmp",
        AuthLogPaths = [env.AuthLog],
        PollInterval = TimeSpan.FromMilliseconds(100),
    });
}
