using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit.Abstractions;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Tests.Support;
using Yamori.Tests;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>
/// The binary a town installs: the linux-x64 Native AOT publish that <c>./test.sh</c> makes
/// (<c>YAMORI_AGENT_BINARY</c>). Other tests run the agent's code under the JIT; only this one shows
/// that the trimmed, ahead-of-time compiled program still enrolls, parses its configuration and
/// rules, decodes EVTX, collects from the kernel and delivers.
/// </summary>
public sealed class PublishedAgentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task The_published_binary_enrolls_replays_detects_locally_and_collects_from_the_kernel()
    {
        string? binary = Environment.GetEnvironmentVariable("YAMORI_AGENT_BINARY");
        Skip.If(string.IsNullOrEmpty(binary), "YAMORI_AGENT_BINARY is not set: ./test.sh publishes the Native AOT agent and sets it");
        Skip.IfNot(File.Exists(binary), $"YAMORI_AGENT_BINARY names {binary}, which does not exist");
        Skip.IfNot(Linux.Processes.LinuxTestSupport.IsLinuxRoot, Linux.Processes.LinuxTestSupport.NeedsRoot);
        Skip.If(TestData.SigmaHqRoot is null, "SigmaHQ data not found (set YAMORI_SIGMAHQ or provide ../shared/data/sigmahq)");
        string rule = Path.Combine(TestData.SigmaHqRoot!, "rules", "windows", "process_creation", "proc_creation_win_certutil_download.yml");
        string evtx = Directory.GetFiles(Path.Combine(TestData.SigmaHqRoot!, "regression_data", "rules", "windows", "process_creation", "proc_creation_win_certutil_download"), "*.evtx").Single();
        string ruleId = File.ReadAllLines(rule).First(l => l.StartsWith("id:", StringComparison.Ordinal))[3..].Trim();

        await using CloudFixture cloud = await CloudFixture.StartAsync(rules: [rule]);
        string data = Path.Combine(Path.GetTempPath(), "yamori-agent-tests", "aot-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string tokenFile = Path.Combine(Path.GetTempPath(), "yamori-agent-tests", Guid.NewGuid().ToString("N") + ".token");
            Directory.CreateDirectory(Path.GetDirectoryName(tokenFile)!);
            await File.WriteAllTextAsync(tokenFile, await cloud.CreateTokenAsync(cloud.TownA));
            using X509Certificate2 ca = cloud.Get<CloudCertificateAuthority>().Certificate;
            string enrolled = await RunToEndAsync(binary!, "enroll", "--server", cloud.ApiUri.ToString(), "--token-file", tokenFile, "--ca-sha256", ca.GetCertHashString(HashAlgorithmName.SHA256), "--data", data, "--hostname", "pc-aot");
            File.Delete(tokenFile);
            DeviceId device = DeviceId.Parse(enrolled.Split("device ")[1].Split(' ')[0]);
            var scope = TenantScope.For(cloud.TownA.Id);
            await File.WriteAllTextAsync(Path.Combine(data, "agent.json"), $$"""
                { "collectors": ["process", "network"], "localRules": ["{{rule}}"], "heartbeatSeconds": 2 }
                """);

            // EVTX decoding, the rule's YAML and local detection, spool and mTLS delivery.
            string replayed = await RunToEndAsync(binary!, "replay", "--data", data, "--wait", "90", evtx);
            output.WriteLine(replayed);
            List<StoredEvent> stored = await StoredAsync(cloud, scope, device);
            StoredEvent alert = Assert.Single(stored, e => e.Event.Source.Category == "agent_alert");
            Assert.True(alert.Event.TryGetField("RuleId", out EventValue firedRule));
            Assert.Equal(ruleId, firedRule.ToString());
            Assert.Contains(stored, e => e.Event.Source.Product == "windows" && e.Event.TryGetField("Image", out EventValue image) && image.ToString().EndsWith("certutil.exe", StringComparison.OrdinalIgnoreCase));

            // The kernel collectors of the same binary, run as the service runs it.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            string port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
            string marker = "aot-" + Guid.NewGuid().ToString("N")[..8];
            var errors = new System.Text.StringBuilder();
            using Process agent = Start(binary!, ["run", "--data", data], errors);
            try
            {
                await AgentHarness.WaitForAsync(
                    async () =>
                    {
                        Assert.False(agent.HasExited, "the agent exited: " + errors);
                        using (Process.Start("/bin/true", [marker]))
                        {
                        }

                        using var client = new TcpClient();
                        await client.ConnectAsync(IPAddress.Loopback, int.Parse(port, CultureInfo.InvariantCulture));
                        using TcpClient accepted = await listener.AcceptTcpClientAsync();
                        await Task.Delay(1000); // open across a poll
                        List<StoredEvent> now = await StoredAsync(cloud, scope, device);
                        return now.Any(e => e.Event.Source.Category == "process_creation" && e.Event.TryGetField("CommandLine", out EventValue cl) && cl.ToString().Contains(marker, StringComparison.Ordinal))
                            && now.Any(e => e.Event.Source.Category == "network_connection" && e.Event.TryGetField("DestinationPort", out EventValue p) && p.ToString() == port);
                    },
                    Timeout,
                    "a process start and a connection collected by the published agent");
            }
            finally
            {
                agent.Kill();
                await agent.WaitForExitAsync();
            }
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static async Task<List<StoredEvent>> StoredAsync(CloudFixture cloud, TenantScope scope, DeviceId device) =>
        [.. await cloud.Get<IEventStore>().QueryEventsAsync(scope, new EventQuery(device, DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1), 10_000, null))];

    private static ProcessStartInfo StartInfo(string binary, string[] args)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        return start;
    }

    /// <summary>Starts a long-running command; both pipes are drained (a full pipe would block the child), stderr kept.</summary>
    private static Process Start(string binary, string[] args, System.Text.StringBuilder errors)
    {
        Process p = Process.Start(StartInfo(binary, args))!;
        p.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        p.BeginErrorReadLine();
        _ = p.StandardOutput.ReadToEndAsync();
        return p;
    }

    /// <summary>Runs a command of the binary to its end; returns what it printed (stdout, then stderr).</summary>
    private static async Task<string> RunToEndAsync(string binary, params string[] args)
    {
        using Process p = Process.Start(StartInfo(binary, args))!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        string printed = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, $"yamori-agent {args[0]} exited with {p.ExitCode}: {printed}");
        return printed;
    }
}
