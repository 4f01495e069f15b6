using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Tests.Support;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>
/// The real `yamori-agent` binary, SIGKILLed while it delivers: a second start resumes from the
/// cloud's watermark and every event that reached the spool is stored exactly once.
/// </summary>
public sealed class AgentKillTests(ITestOutputHelper output)
{
    private const int Events = 100_000;

    [Fact]
    public async Task An_agent_killed_mid_delivery_resumes_and_nothing_it_spooled_is_lost_or_doubled()
    {
        await using CloudFixture cloud = await CloudFixture.StartAsync();
        using AgentHarness agent = await AgentHarness.EnrollAsync(cloud, cloud.TownA);
        string recording = Path.Combine(agent.Options.DataDirectory, "burst.jsonl");
        var lines = new StringBuilder();
        for (int i = 0; i < Events; i++)
        {
            lines.Append("{\"Image\":\"/usr/bin/true\",\"CommandLine\":\"/usr/bin/true kill-").Append(i).Append("\"}\n");
        }

        await File.WriteAllTextAsync(recording, lines.ToString());

        // The replay spools everything first, then sends: killed at its first acknowledged batch, it
        // dies with most of the recording in its spool and batches in flight.
        IEventStore store = cloud.Get<IEventStore>();
        TenantScope scope = TenantScope.For(agent.Tenant);
        using (Process replay = StartAgent("replay", "--data", agent.Options.DataDirectory, "--wait", "600", recording))
        {
            await AgentHarness.WaitForAsync(async () => await store.GetWatermarkAsync(scope, agent.Device) > 0 || replay.HasExited, TimeSpan.FromSeconds(120), "the first batches");
            replay.Kill(); // SIGKILL: no flush, no goodbye
            await replay.WaitForExitAsync();
            Assert.True(replay.ExitCode != 0, "replay ended before it could be killed: " + await replay.StandardError.ReadToEndAsync());
        }

        int atKill = (await agent.StoredEventsAsync(cloud)).Count;
        output.WriteLine($"stored when the agent was killed: {atKill} of {Events}");

        using Process run = StartAgent("run", "--data", agent.Options.DataDirectory, "--collectors", "none");
        try
        {
            await AgentHarness.WaitForAsync(async () => run.HasExited || (await agent.StoredEventsAsync(cloud)).Count >= Events, TimeSpan.FromSeconds(180), "every event after restart");
        }
        finally
        {
            run.Kill();
            await run.WaitForExitAsync();
        }

        List<StoredEvent> stored = await agent.StoredEventsAsync(cloud);
        Assert.Equal(Events, stored.Count);
        Assert.Equal(Events, stored.Select(e => AgentDeliveryTests.Marker(e.Event)).Distinct().Count());
    }

    private static Process StartAgent(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "yamori-agent.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        Process p = Process.Start(start)!;

        // Drain stdout so a chatty child never blocks on a full pipe; stderr is read on failure.
        _ = p.StandardOutput.ReadToEndAsync();
        return p;
    }
}
