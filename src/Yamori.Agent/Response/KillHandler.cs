using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Yamori.Agent.Linux.Interop;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Response;

/// <summary>
/// Kills one process on Linux, only if it still runs the image the SOC saw. The check and the kill go
/// through one pidfd, so a pid that is reused between them cannot be hit: if the checked process
/// exits meanwhile, the signal fails with ESRCH instead of reaching its successor.
/// </summary>
/// <remarks>
/// Args: <c>pid</c> (decimal), <c>image</c> (the exact executable path as /proc reports it), and
/// optionally <c>start_time</c> (field 22 of /proc/&lt;pid&gt;/stat: clock ticks since boot).
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class KillHandler : ICommandHandler
{
    private readonly TimeSpan _exitWait;

    /// <param name="exitWait">How long to wait for the process to be gone after SIGKILL (default 10 s).</param>
    public KillHandler(TimeSpan? exitWait = null)
    {
        _exitWait = exitWait ?? TimeSpan.FromSeconds(10);
    }

    public CommandKind Kind => CommandKind.Kill;

    public Task<CommandOutcome> ExecuteAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!CommandArgs.TryGetInt64(request, "pid", required: true, out long? pidArg, out CommandOutcome? rejection)
            || !CommandArgs.TryGetRequired(request, "image", out string image, out rejection)
            || !CommandArgs.TryGetInt64(request, "start_time", required: false, out long? startTime, out rejection))
        {
            return Task.FromResult(rejection!);
        }

        if (pidArg is not { } pid64 || pid64 <= 1 || pid64 > int.MaxValue)
        {
            return Task.FromResult(CommandOutcome.Rejected($"argument 'pid' must be a process id above 1, not {pidArg}"));
        }

        int pid = (int)pid64;
        if (pid == Environment.ProcessId)
        {
            return Task.FromResult(CommandOutcome.Rejected($"argument 'pid' {pid} is the agent itself; not killed"));
        }

        // The wait for exit blocks in poll(2); keep it off the caller's thread.
        return Task.Run(() => Kill(pid, image, startTime, cancellationToken), cancellationToken);
    }

    private CommandOutcome Kill(int pid, string image, long? startTime, CancellationToken cancellationToken)
    {
        using SafeFd pidfd = LibC.PidfdOpen(pid);
        if (pidfd.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                LibC.Rsp.ESRCH => CommandOutcome.Failed($"no such process: {pid}"),
                LibC.Rsp.EINVAL => CommandOutcome.Failed($"{pid} is not a process (a thread id?); not killed"),
                _ => CommandOutcome.Failed($"cannot open process {pid}: {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }

        // Checked after the pidfd exists: if what we check is another process than the pidfd's, the
        // pidfd's process has exited, and the signal below fails rather than hit the other one.
        string? actual;
        try
        {
            actual = ProcFs.ReadExe(pid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e is UnauthorizedAccessException
                ? CommandOutcome.Failed($"cannot read the image of process {pid}: {e.Message}")
                : CommandOutcome.Failed($"no such process: {pid}");
        }

        if (actual is null)
        {
            return CommandOutcome.Failed($"process {pid} has no executable image (kernel thread or already exited); not killed");
        }

        if (!string.Equals(actual, image, StringComparison.Ordinal))
        {
            return CommandOutcome.Failed($"process {pid} runs '{actual}', not the expected '{CommandArgs.Shorten(image)}'; not killed (its pid may have been reused)");
        }

        if (startTime is { } expectedStart)
        {
            if (ProcFs.ReadStat(pid) is not { } stat)
            {
                return CommandOutcome.Failed($"no such process: {pid}");
            }

            if (stat.StartTimeTicks != (ulong)expectedStart)
            {
                return CommandOutcome.Failed(string.Create(CultureInfo.InvariantCulture,
                    $"process {pid} started at tick {stat.StartTimeTicks}, not the expected {expectedStart}; not killed (its pid was reused)"));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (LibC.PidfdSendSignal(pidfd, LibC.Rsp.SIGKILL) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == LibC.Rsp.ESRCH
                ? CommandOutcome.Failed($"process {pid} exited before it could be killed")
                : CommandOutcome.Failed($"cannot kill process {pid}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return LibC.PidfdWaitExit(pidfd, (int)_exitWait.TotalMilliseconds)
            ? CommandOutcome.Succeeded($"killed process {pid} ({actual}) with SIGKILL; it has exited")
            : CommandOutcome.Failed(string.Create(CultureInfo.InvariantCulture,
                $"sent SIGKILL to process {pid} ({actual}) but it had not exited after {_exitWait.TotalSeconds:0} s (uninterruptible sleep?)"));
    }
}
