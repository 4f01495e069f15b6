using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yamori.Agent.Enrollment;
using Yamori.Agent.Packaging;
using Yamori.Agent.Replay;

namespace Yamori.Agent.Hosting;

/// <summary>The command line of <c>yamori-agent</c>.</summary>
internal static class AgentCommands
{
    private const string Usage = """
        yamori-agent — Yamori endpoint agent

          enroll --server URL (--token TOKEN | --token-file FILE) --ca-sha256 HASH [--data DIR] [--hostname NAME]
                 enroll this host (the token and CA fingerprint come from the town's admin)
          run [--data DIR] [--collectors process,network,file,logon|none]
                 run the agent (what the systemd unit starts)
          replay [--data DIR] [--wait SECONDS] FILE...
                 send recorded events (.evtx, JSON twins, JSON Lines) as if they happened now
          status [--data DIR]              identity and spool state
          install | uninstall [--purge] [--root DIR]
                 install as a systemd service (single-file binary, hardened unit), or on Windows
                 as the yamori-agent service (sc.exe, automatic start, restart on failure)
          version
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        CommandLine cl;
        try
        {
            cl = CommandLine.Parse(args.AsSpan(1));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"yamori-agent {args[0]}: {e.Message}");
            return 2;
        }

        try
        {
            return args[0] switch
            {
                "enroll" => await EnrollAsync(cl),
                "run" => await RunAgentAsync(cl),
                "replay" => await ReplayAsync(cl),
                "status" => Status(cl),
                "install" when OperatingSystem.IsWindows() => new WindowsServiceInstaller(Console.Out).Install(Environment.ProcessPath!, Options(cl).DataDirectory),
                "uninstall" when OperatingSystem.IsWindows() => new WindowsServiceInstaller(Console.Out).Uninstall(),
                "install" => new ServiceInstaller(cl.Get("root") ?? "/", Console.Out).Install(Environment.ProcessPath!),
                "uninstall" => new ServiceInstaller(cl.Get("root") ?? "/", Console.Out).Uninstall(cl.Has("purge")),
                "version" => Print(AgentVersionText()),
                _ => Unknown(args[0]),
            };
        }
        catch (Exception e) when (e is AgentIdentityException or AgentConfigException or ArgumentException)
        {
            Console.Error.WriteLine($"yamori-agent {args[0]}: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> EnrollAsync(CommandLine cl)
    {
        string server = cl.Require("server");
        // --token-file keeps the secret out of /proc/<pid>/cmdline and shell history.
        string token = cl.Get("token-file") is { } tokenFile ? File.ReadAllText(tokenFile).Trim() : cl.Require("token");
        string caSha = cl.Require("ca-sha256");
        AgentOptions options = Options(cl);
        IdentityInfo info = await AgentEnroller.EnrollAsync(new Uri(server.EndsWith('/') ? server : server + "/"), token, caSha, options.IdentityDirectory, cl.Get("hostname"));
        Console.WriteLine($"enrolled: device {info.DeviceId} of tenant {info.TenantId}; agent endpoint {info.AgentEndpoint}");
        Console.WriteLine($"identity in {options.IdentityDirectory} (owner-only)");
        return 0;
    }

    private static async Task<int> RunAgentAsync(CommandLine cl)
    {
        AgentOptions options = Options(cl);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        // Each is a no-op unless the process runs under that service manager.
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = WindowsServiceInstaller.ServiceName);
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<AgentService>();
        using IHost host = builder.Build();
        await host.RunAsync();
        return 0;
    }

    private static async Task<int> ReplayAsync(CommandLine cl)
    {
        if (cl.Positional.Count == 0)
        {
            Console.Error.WriteLine("yamori-agent replay: name at least one file");
            return 2;
        }

        AgentOptions options = Options(cl);
        TimeSpan wait = TimeSpan.FromSeconds(int.TryParse(cl.Get("wait"), out int s) ? s : 120);
        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        await using AgentRuntime runtime = AgentComposition.Open(options, loggers, collectors: false);
        ReplayReport report = ReplaySource.Replay(cl.Positional, runtime.Pipeline);
        foreach (string problem in report.Problems)
        {
            Console.Error.WriteLine($"replay: {problem}");
        }

        Console.WriteLine($"replay: {report.Events} events spooled ({report.Shed} shed); sending…");
        using var stop = new CancellationTokenSource();
        Task running = runtime.RunAsync(stop.Token);
        bool delivered = await runtime.WaitUntilDeliveredAsync(wait);
        await stop.CancelAsync();
        await running;
        Console.WriteLine(delivered
            ? $"replay: delivered; the cloud acknowledged up to batch {runtime.Spool.Stats.AcknowledgedSequence}"
            : $"replay: not all delivered within {wait.TotalSeconds:0} s; the rest stays in the spool and goes with the agent's next connection");
        return report.Problems.Count > 0 ? 1 : delivered ? 0 : 3;
    }

    private static int Status(CommandLine cl)
    {
        AgentOptions options = Options(cl);
        if (!AgentIdentity.Exists(options.IdentityDirectory))
        {
            Console.WriteLine($"not enrolled ({options.IdentityDirectory})");
            return 1;
        }

        using AgentIdentity identity = AgentIdentity.Load(options.IdentityDirectory);
        Console.WriteLine($"device {identity.Info.DeviceId} of tenant {identity.Info.TenantId}, enrolled {identity.Info.EnrolledAt:u}");
        Console.WriteLine($"cloud {identity.Info.AgentEndpoint} (CA {identity.Info.CaSha256}); certificate valid until {identity.ClientCertificate.NotAfter:u}");
        return 0;
    }

    private static AgentOptions Options(CommandLine cl)
    {
        AgentOptions options = AgentConfigFile.Apply(new AgentOptions { DataDirectory = Path.GetFullPath(cl.Get("data") ?? DefaultDataDirectory()) });
        return cl.Get("collectors") is { } list
            ? options with { Collectors = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }
            : options;
    }

    internal static string DefaultDataDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "Yamori", "Agent");
        }

        if (Environment.UserName == "root")
        {
            return "/var/lib/yamori-agent";
        }

        string xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(xdg, "yamori-agent");
    }

    private static string AgentVersionText() => $"yamori-agent {Uplink.AgentUplink.AgentVersion} ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})";

    private static int Print(string text)
    {
        Console.WriteLine(text);
        return 0;
    }

    private static int Unknown(string command)
    {
        Console.Error.WriteLine($"yamori-agent: unknown command '{command}'\n{Usage}");
        return 2;
    }
}
