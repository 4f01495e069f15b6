using System.Diagnostics;
using SysProcess = System.Diagnostics.Process;

namespace Yamori.Agent.Tests.Linux.Processes;

internal static class LinuxTestSupport
{
    public const string NeedsRoot = "needs Linux and root (netlink process connector / sock_diag / all of /proc)";

    public static bool IsLinuxRoot => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    public static SysProcess Start(string file, IEnumerable<string> args, string? workingDirectory = null, bool redirectStdin = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = redirectStdin,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return SysProcess.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
    }

    /// <summary>The fully resolved path (realpath), as the kernel reports /proc/&lt;pid&gt;/exe.</summary>
    public static string RealPath(string path)
    {
        var psi = new ProcessStartInfo("readlink") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(path);
        using SysProcess p = SysProcess.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }

    public static string Marker() => "yamori-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Starts the collector and waits for its kernel subscription.</summary>
    public static async Task<(Task Run, CancellationTokenSource Stop)> StartAsync(Yamori.Agent.Linux.Processes.ProcessCollector collector, RecordingSink sink)
    {
        var stop = new CancellationTokenSource();
        Task run = Task.Run(() => collector.RunAsync(sink, stop.Token));
        await collector.Started.WaitAsync(TimeSpan.FromSeconds(10));
        return (run, stop);
    }
}
