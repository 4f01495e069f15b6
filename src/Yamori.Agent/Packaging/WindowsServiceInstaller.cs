using System.Diagnostics;

namespace Yamori.Agent.Packaging;

/// <summary>
/// <c>install</c> / <c>uninstall</c> on Windows: the service registered with the Service Control
/// Manager through <c>sc.exe</c> (automatic start, restart on failure), running <c>run</c> under
/// LocalSystem, which the event-log collectors need for the Security channel. Compiled and its
/// command lines unit-tested here; this machine has no Windows to run it on.
/// </summary>
public sealed class WindowsServiceInstaller(TextWriter output, Func<IReadOnlyList<string>, int>? runSc = null)
{
    public const string ServiceName = "yamori-agent";

    private readonly Func<IReadOnlyList<string>, int> _runSc = runSc ?? RunSc;

    /// <summary>The <c>sc.exe</c> invocations for an install of <paramref name="binary"/> with data in <paramref name="dataDirectory"/>.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> InstallCommands(string binary, string dataDirectory) =>
    [
        ["create", ServiceName, "binPath=", $"\"{binary}\" run --data \"{dataDirectory}\"", "start=", "auto", "DisplayName=", "Yamori endpoint agent"],
        ["description", ServiceName, "Yamori EDR agent: telemetry, local detection and response for the prefecture SOC"],
        ["failure", ServiceName, "reset=", "86400", "actions=", "restart/5000/restart/5000/restart/60000"],
        ["start", ServiceName],
    ];

    public static IReadOnlyList<IReadOnlyList<string>> UninstallCommands() =>
    [
        ["stop", ServiceName],
        ["delete", ServiceName],
    ];

    public int Install(string binary, string dataDirectory)
    {
        foreach (IReadOnlyList<string> command in InstallCommands(binary, dataDirectory))
        {
            int code = _runSc(command);
            if (code != 0 && command[0] != "description")
            {
                output.WriteLine($"sc.exe {string.Join(' ', command)} failed with exit code {code}");
                return 1;
            }
        }

        output.WriteLine($"service {ServiceName} installed and started (data in {dataDirectory})");
        return 0;
    }

    public int Uninstall()
    {
        foreach (IReadOnlyList<string> command in UninstallCommands())
        {
            // A service already stopped makes "stop" fail; only "delete" decides the outcome.
            int code = _runSc(command);
            if (code != 0 && command[0] == "delete")
            {
                output.WriteLine($"sc.exe delete {ServiceName} failed with exit code {code}");
                return 1;
            }
        }

        output.WriteLine($"service {ServiceName} removed; the data directory is kept (identity, unsent telemetry)");
        return 0;
    }

    private static int RunSc(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("sc.exe") { UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
