using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Yamori.Bench.CloudLoad;

namespace Yamori.Bench.AgentSteady;

/// <summary>
/// <c>agent-steady</c>: the shipped agent's own cost on a host, idle and under a steady load, as a
/// town's IT officer would see it in <c>top</c>: CPU % of one core and resident memory of the
/// <c>yamori-agent</c> process, measured from /proc while it runs every collector with its default
/// configuration and delivers to a real <c>yamori up</c> on loopback. Afterwards the cloud's API
/// says how much of the load arrived, so a cheap figure cannot come from dropped events.
/// </summary>
internal static partial class AgentSteadyCommand
{
    public const string Usage = """
          agent-steady [--agent BIN] [--warmup S] [--idle S] [--seconds S] [--exec-rate N] [--conn-rate N] [--agent-config JSON] [--agent-env K=V]
                     the agent binary (default: dotnet publish -r linux-x64 of src/Yamori.Agent, as shipped)
                     enrolled to a local `yamori up --demo`, all collectors, default agent.json; after
                     --warmup (30 s) its CPU % and RSS over --idle (60 s) with nothing happening, then over
                     --seconds (60 s) of N process starts/s (50) and N loopback TCP connections/s (500);
                     then what reached the cloud (needs root)
        """;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Console.Error.WriteLine("agent-steady needs Linux and root (the agent's collectors do)");
            return 1;
        }

        int warmup = Args.Int(args, "--warmup", 30);
        int idle = Args.Int(args, "--idle", 60);
        int seconds = Args.Int(args, "--seconds", 60);
        int execRate = Args.Int(args, "--exec-rate", 50);
        int connRate = Args.Int(args, "--conn-rate", 500);
        // Not under /tmp: the file collector watches /tmp, and an installed agent keeps its data in
        // /var/lib (a spool inside a watched path would have the agent watch its own writes).
        string work = Directory.CreateDirectory("/var/lib/yamori-agent-steady-" + Guid.NewGuid().ToString("N")[..8]).FullName;
        string? binary = Args.String(args, "--agent", "") is { Length: > 0 } named ? Path.GetFullPath(named) : null;
        if (binary is null)
        {
            string? repo = Repository.Find();
            if (repo is null)
            {
                Console.Error.WriteLine("agent-steady: run inside the Yamori repository, or name the binary with --agent");
                return 1;
            }

            binary = await AgentUnderTest.PublishAsync(repo, Path.Combine(work, "publish"));
        }

        Console.WriteLine(Machine.Describe());
        Console.WriteLine($"agent binary: {binary} ({new FileInfo(binary).Length / 1048576.0:F1} MiB)");

        // No rules in the cloud: it shares the machine's cores with the agent and should cost little.
        string noRules = Directory.CreateDirectory(Path.Combine(work, "no-rules")).FullName;
        string cloudData = Path.Combine(work, "cloud");
        using CloudProcess cloud = await CloudProcess.StartAsync(cloudData, ["--demo", "--rules", noRules]);
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(Yamori.Cloud.Enrollment.CertificateAuthorityFiles.In(cloudData).Certificate);
        string agentData = Path.Combine(work, "agent");
        await AgentUnderTest.EnrollAsync(binary, agentData, cloud.Api, OperatorApi.Banner(cloud, DemoToken()), OperatorApi.Banner(cloud, CaFingerprint()));

        // --agent-config JSON: an agent.json for the run (a town's tuning), e.g. {"networkPollMilliseconds":1000}.
        if (Args.String(args, "--agent-config", "") is { Length: > 0 } config)
        {
            await File.WriteAllTextAsync(Path.Combine(agentData, "agent.json"), config);
            Console.WriteLine($"agent.json: {config}");
        }

        string marker = "yamori-steady-" + Guid.NewGuid().ToString("N")[..8];
        // --agent-env K=V (repeatable): runtime knobs for the agent process only, for experiments.
        using AgentUnderTest agent = AgentUnderTest.Start(binary, agentData, Path.Combine(work, "agent.log"), Args.Pairs(args, "--agent-env"));
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}; agent pid {agent.Pid}, warm-up {warmup} s");
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        Window quiet = await MeasureAsync(agent, idle);
        Print("idle", quiet, idle, 0, 0);

        DateTimeOffset loadFrom = DateTimeOffset.UtcNow;
        Window busy;
        int port;
        var load = new SteadyLoad(marker);
        await using (load)
        {
            load.Start(execRate, connRate);
            busy = await MeasureAsync(agent, seconds);
            port = load.Port;
        }

        // Read after the loops stopped: an exec or connection in flight at the end still happens.
        (int execs, int connections) = (load.Execs, load.Connections);
        Print("load", busy, seconds, execs, connections);
        Console.WriteLine($"peak RSS over the whole run (VmHWM, start-up included): {ProcStat.PeakRssMiB(agent.Pid):F1} MiB");
        if (agent.HasExited)
        {
            Console.Error.WriteLine($"the agent exited during the run; see {Path.Combine(work, "agent.log")}");
            return 1;
        }

        await Task.Delay(TimeSpan.FromSeconds(5)); // the last batches: linger, send, commit
        using HttpClient api = await OperatorApi.SignInAsync(cloud, ca);
        Arrived arrived = await CountArrivedAsync(api, loadFrom.AddSeconds(-5), marker, port);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"at the cloud: {arrived.Execs:N0} of {execs:N0} process starts ({100.0 * arrived.Execs / Math.Max(1, execs):F1} %, {arrived.ExecsWithCommandLine:N0} with command line); " +
            $"{arrived.Accepts:N0} accepts and {arrived.Connects:N0} connects of {connections:N0} connections ({100.0 * arrived.Accepts / Math.Max(1, connections):F1} % / {100.0 * arrived.Connects / Math.Max(1, connections):F1} %)"));
        await cloud.StopAsync();
        Directory.Delete(work, recursive: true);
        return 0;
    }

    private static async Task<Window> MeasureAsync(AgentUnderTest agent, int seconds)
    {
        double cpuBefore = ProcStat.CpuSeconds(agent.Pid);
        double maxRss = 0;
        for (int i = 0; i < seconds && !agent.HasExited; i++)
        {
            await Task.Delay(1000);
            maxRss = Math.Max(maxRss, ProcStat.RssMiB(agent.Pid));
        }

        return new Window(ProcStat.CpuSeconds(agent.Pid) - cpuBefore, maxRss);
    }

    private static void Print(string phase, Window w, int seconds, int execs, int connections)
    {
        string load = execs + connections > 0 ? string.Create(CultureInfo.InvariantCulture, $"; load {execs / (double)seconds:F0} process starts/s, {connections / (double)seconds:F0} connections/s") : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{phase,-4}: agent CPU {w.CpuSeconds:F2} s in {seconds} s = {100 * w.CpuSeconds / seconds:F2} % of one core; RSS max {w.MaxRssMiB:F1} MiB{load}"));
    }

    /// <summary>The device's stored events since <paramref name="from"/>, through the API a SOC analyst uses.</summary>
    private static async Task<Arrived> CountArrivedAsync(HttpClient api, DateTimeOffset from, string marker, int port)
    {
        JsonArray devices = (JsonArray)(await api.GetFromJsonAsync<JsonObject>("api/v1/devices/"))!["items"]!;
        string device = (string)devices.Single(d => (string?)d!["hostname"] == "bench-steady")!["id"]!;
        var arrived = new Arrived();
        string portText = port.ToString(CultureInfo.InvariantCulture);
        string? after = null;
        do
        {
            string url = $"api/v1/devices/{device}/events?limit=1000&from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}" + (after is null ? "" : $"&after={after}");
            JsonObject page = (await api.GetFromJsonAsync<JsonObject>(url))!;
            foreach (JsonNode? e in (JsonArray)page["items"]!)
            {
                JsonObject fields = (JsonObject)e!["fields"]!;
                string? commandLine = (string?)fields["CommandLine"];
                if ((string?)e["category"] == "process_creation" && (string?)fields["ParentProcessId"] == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
                {
                    arrived.Execs++;
                    arrived.ExecsWithCommandLine += commandLine?.Contains(marker, StringComparison.Ordinal) == true ? 1 : 0;
                }
                else if ((string?)e["category"] == "network_connection" && (string?)fields["DestinationPort"] == portText)
                {
                    if ((string?)fields["Initiated"] == "true")
                    {
                        arrived.Connects++;
                    }
                    else
                    {
                        arrived.Accepts++;
                    }
                }
            }

            after = (string?)page["nextCursor"];
        }
        while (after is not null);
        return arrived;
    }

    [GeneratedRegex(@"enrollment token for LGWAN\S*\s.*:\s+(ymt_\S+)")]
    private static partial Regex DemoToken();

    [GeneratedRegex(@"--ca-sha256\s+([0-9A-Fa-f]{64})")]
    private static partial Regex CaFingerprint();

    private readonly record struct Window(double CpuSeconds, double MaxRssMiB);

    private sealed class Arrived
    {
        public int Execs { get; set; }

        public int ExecsWithCommandLine { get; set; }

        public int Connects { get; set; }

        public int Accepts { get; set; }
    }
}
