using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Yamori.Agent.Hosting;
using Yamori.Agent.Tests.Linux.Processes;
using Yamori.Server.Tests.Support;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>
/// Response actions end to end: a SOC operator orders them through the cloud's REST API, the
/// agent receives them on its mTLS stream, carries them out on this machine for real (a process
/// killed, a file uploaded in chunks, a live query) and the results are at the cloud. Isolation is
/// proven in a network namespace by the isolation tests; here it would cut off the test machine.
/// </summary>
public sealed class AgentCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private CloudFixture _cloud = null!;
    private ApiClient _operator = null!;
    private AgentHarness _agent = null!;
    private AgentRuntime _runtime = null!;
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _cloud = await CloudFixture.StartAsync();
        _operator = await ApiClient.SignInOperatorAsync(_cloud);
        _agent = await AgentHarness.EnrollAsync(_cloud, _cloud.TownA);
        _runtime = _agent.Open(commands: r => AgentComposition.Commands(r, AgentHarness.Loggers));
        _running = _runtime.RunAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        await _runtime.DisposeAsync();
        _agent.Dispose();
        _operator.Dispose();
        await _cloud.DisposeAsync();
    }

    [SkippableFact]
    public async Task A_kill_ordered_by_the_SOC_kills_the_process_on_the_host()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        using var sleeper = LinuxTestSupport.Start("/bin/sleep", ["1000"]);

        JsonObject done = await OrderAsync("kill", new() { ["pid"] = sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["image"] = "/usr/bin/sleep" });

        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.True(sleeper.WaitForExit(10_000), "the process still runs");
    }

    [SkippableFact]
    public async Task A_collected_file_arrives_at_the_cloud_with_the_hash_the_agent_reported()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        // Outside the agent's data directory, which the agent refuses to collect from.
        string path = Path.Combine(Path.GetTempPath(), "yamori-evidence-" + Guid.NewGuid().ToString("N") + ".bin");
        byte[] content = RandomNumberGenerator.GetBytes(700_000); // several upload chunks
        await File.WriteAllBytesAsync(path, content);
        using var cleanup = new TempFile(path);

        JsonObject done = await OrderAsync("collect", new() { ["path"] = path });

        Assert.Equal("succeeded", (string?)done["state"]);
        string sha = Convert.ToHexStringLower(SHA256.HashData(content));
        Assert.Equal(sha, (string?)done["result"]!["sha256"]);
        JsonObject? file = await WaitForAsync((string)done["id"]!, c => c["file"] is JsonObject);
        Assert.Equal(sha, (string?)file!["file"]!["sha256"]);
        byte[] stored = await File.ReadAllBytesAsync(Path.Combine(_cloud.DataDirectory, "collected", (string)file["file"]!["relativePath"]!));
        Assert.Equal(content, stored);
    }

    [SkippableFact]
    public async Task A_live_process_query_lists_this_test_process()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        JsonObject done = await OrderAsync("query", new() { ["name"] = "processes" });

        Assert.Equal("succeeded", (string?)done["state"]);
        string output = (string)done["result"]!["output"]!;
        Assert.Contains($"\"pid\":{Environment.ProcessId},", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_kill_of_a_process_whose_image_differs_is_refused_and_the_process_lives()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        using var sleeper = LinuxTestSupport.Start("/bin/sleep", ["1000"]);
        try
        {
            JsonObject done = await OrderAsync("kill", new() { ["pid"] = sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["image"] = "/usr/bin/bash" });

            Assert.Equal("failed", (string?)done["state"]);
            Assert.Contains("/usr/bin/sleep", (string?)done["result"]!["message"], StringComparison.Ordinal);
            Assert.False(sleeper.HasExited);
        }
        finally
        {
            sleeper.Kill();
        }
    }

    private async Task<JsonObject> OrderAsync(string kind, Dictionary<string, string> args)
    {
        JsonObject ordered = await _operator.PostAsync($"api/v1/devices/{_agent.Device}/commands", new { kind, args });
        return (await WaitForAsync((string)ordered["id"]!, c => (string?)c["state"] is "succeeded" or "failed" or "rejected" or "expired"))!;
    }

    private async Task<JsonObject?> WaitForAsync(string id, Func<JsonObject, bool> done)
    {
        JsonObject? last = null;
        await AgentHarness.WaitForAsync(
            async () =>
            {
                last = (await _operator.GetAsync($"api/v1/commands/{id}"))!.AsObject();
                return done(last);
            },
            Timeout,
            $"command {id}");
        return last;
    }

    private sealed class TempFile(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
