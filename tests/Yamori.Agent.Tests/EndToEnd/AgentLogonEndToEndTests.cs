using Yamori.Agent.Hosting;
using Yamori.Agent.Linux.Logon;
using Yamori.Agent.Tests.Linux.Logon;
using Yamori.Cloud.Events;
using Yamori.Server.Tests.Support;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>
/// A real failed su on this machine (a throw-away user typing a wrong root password, logged by a
/// real rsyslogd and by su itself in btmp) reaches the cloud once as a logon failure.
/// </summary>
[Collection(RealAuthCollection.Name)]
public sealed class AgentLogonEndToEndTests(RealAuthEnvironment env)
{
    [SkippableFact]
    public async Task A_failed_su_reaches_the_cloud_once_from_the_auth_log_and_once_from_btmp()
    {
        Skip.If(env.Unavailable is not null, env.Unavailable);
        Skip.IfNot(File.Exists("/usr/bin/sshpass"), "sshpass (which types the wrong password into su's terminal) is not installed");
        await using CloudFixture cloud = await CloudFixture.StartAsync();
        using AgentHarness agent = await AgentHarness.EnrollAsync(cloud, cloud.TownA);
        var logon = new LogonCollector(new LogonCollectorOptions
        {
            WtmpPath = "/var/log/wtmp",
            BtmpPath = "/var/log/btmp",
            AuthLogPaths = [env.AuthLog],
            PollInterval = TimeSpan.FromMilliseconds(100),
        });
        await using AgentRuntime runtime = agent.Open([logon]);
        using var stop = new CancellationTokenSource();
        Task running = runtime.RunAsync(stop.Token);
        await logon.Ready.WaitAsync(TimeSpan.FromSeconds(30));

        (int code, string output) = RealAuthEnvironment.Run("/usr/sbin/runuser", "-u", RealAuthEnvironment.UserName, "--", "/usr/bin/sshpass", "-p", "not-the-root-password", "/usr/bin/su", "-c", "true", "root");
        Assert.True(code != 0, "su with a wrong password succeeded: " + output);

        static string? Field(StoredEvent e, string name) => e.Event.TryGetField(name, out EventValue v) ? v.ToString() : null;
        List<StoredEvent> stored = [];
        await AgentHarness.WaitForAsync(
            async () =>
            {
                stored = await agent.StoredEventsAsync(cloud);
                return stored.Any(e => Field(e, "LogonType") == "su" && Field(e, "User") == RealAuthEnvironment.UserName)
                    && stored.Any(e => e.Event.Source.Category == "logon" && Field(e, "Outcome") == "failure");
            },
            TimeSpan.FromSeconds(60),
            "the failed su at the cloud");

        StoredEvent line = Assert.Single(stored, e => Field(e, "LogonType") == "su" && Field(e, "User") == RealAuthEnvironment.UserName);
        Assert.Equal("failure", Field(line, "Outcome"));
        Assert.Equal("root", Field(line, "TargetUser"));
        Assert.Equal("auth", line.Event.Source.Service);
        StoredEvent btmp = Assert.Single(stored, e => e.Event.Source.Category == "logon" && Field(e, "ProcessId") == Field(line, "ProcessId"));
        Assert.Equal("failure", Field(btmp, "Outcome"));

        await stop.CancelAsync();
        await running;
    }
}
