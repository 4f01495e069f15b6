using System.Globalization;
using Yamori.Sigma.Events;
using SysProcess = System.Diagnostics.Process;

namespace Yamori.Agent.Tests.Linux.Processes;

/// <summary>
/// A child that is gone before the collector reads /proc: a shell runs <c>/bin/echo</c> while the
/// collector's receive loop is held at <paramref name="gate"/>, and both exit before it goes on.
/// </summary>
internal static class ExitedChild
{
    /// <returns>The echo's process_creation event and the shell's pid.</returns>
    public static async Task<(FlatEvent Echo, string ShellPid)> RunAsync(RecordingSink sink, ManualResetEventSlim gate, string echoArguments, string? workingDirectory, TimeSpan timeout)
    {
        using SysProcess sh = LinuxTestSupport.Start("/bin/sh", ["-c", $"read line; /bin/echo {echoArguments}"], workingDirectory, redirectStdin: true);
        string shPid = sh.Id.ToString(CultureInfo.InvariantCulture);
        _ = await sink.WaitForAsync(e => e.Get("ProcessId") == shPid && e.Get("CommandLine") is not null, timeout, "the shell");

        // Hold the receive loop before it reads /proc, let the shell run echo and both exit.
        gate.Reset();
        await sh.StandardInput.WriteLineAsync("go");
        sh.StandardInput.Close();
        await sh.WaitForExitAsync();
        gate.Set();

        var (echo, _) = await sink.WaitForAsync(
            e => e.Source.Category == "process_creation" && e.Get("ParentProcessId") == shPid,
            timeout,
            "the echo that had exited");
        return (echo, shPid);
    }
}
