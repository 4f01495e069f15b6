using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Processes;

/// <summary>One running process, for the "process list" live query.</summary>
/// <param name="Image">Executable path; null for kernel threads and processes we may not inspect.</param>
/// <param name="CommandLine">Arguments joined by spaces; "[name]" for kernel threads, as <c>ps</c> shows them.</param>
public sealed record ProcessInfo(
    int ProcessId,
    int ParentProcessId,
    uint Uid,
    string User,
    string? Image,
    string CommandLine,
    DateTimeOffset StartTime);

/// <summary>The live process list, read from /proc (the same readers as the process collector).</summary>
public static class ProcessSnapshot
{
    /// <summary>Every process visible in /proc at the time of the call, by pid; processes that exit mid-scan are left out.</summary>
    public static IReadOnlyList<ProcessInfo> List(UserNames? users = null)
    {
        users ??= UserNames.Shared;
        var result = new List<ProcessInfo>();
        byte[] buffer = new byte[64 * 1024];
        long ticksPerSecond = Math.Max(1, LibC.sysconf(LibC.SC_CLK_TCK));
        DateTimeOffset boot = BootTime();
        foreach (int pid in Pids())
        {
            if (TryRead(pid, buffer, ticksPerSecond, boot, users) is { } info)
            {
                result.Add(info);
            }
        }

        return result;
    }

    /// <summary>Numeric entries of /proc, ascending.</summary>
    internal static List<int> Pids()
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                pids.Add(pid);
            }
        }

        pids.Sort();
        return pids;
    }

    private static ProcessInfo? TryRead(int pid, byte[] buffer, long ticksPerSecond, DateTimeOffset boot, UserNames users)
    {
        // stat: "pid (comm) state ppid … starttime(22nd)"; comm may contain spaces and parentheses.
        int n = ProcFs.ReadFile(pid, "stat"u8, buffer);
        if (n <= 0)
        {
            return null;
        }

        ReadOnlySpan<byte> stat = buffer.AsSpan(0, n);
        int open = stat.IndexOf((byte)'(');
        int close = stat.LastIndexOf((byte)')');
        if (open < 0 || close < open)
        {
            return null;
        }

        string comm = Encoding.UTF8.GetString(stat[(open + 1)..close]);
        ReadOnlySpan<byte> fields = stat[(close + 2)..];
        int ppid = 0;
        ulong startTicks = 0;
        for (int field = 3; fields.Length > 0; field++)
        {
            int space = fields.IndexOf((byte)' ');
            ReadOnlySpan<byte> value = space < 0 ? fields : fields[..space];
            if (field == 4)
            {
                _ = Utf8Parser.TryParse(value, out ppid, out _);
            }
            else if (field == 22)
            {
                _ = Utf8Parser.TryParse(value, out startTicks, out _);
                break;
            }

            fields = space < 0 ? default : fields[(space + 1)..];
        }

        uint uid = 0;
        n = ProcFs.ReadFile(pid, "status"u8, buffer);
        if (n <= 0 || !ProcFs.TryEffectiveUid(buffer.AsSpan(0, n), out uid))
        {
            return null;
        }

        n = ProcFs.ReadLink(pid, "exe"u8, buffer);
        string? image = n > 0 ? Encoding.UTF8.GetString(buffer.AsSpan(0, n)) : null;
        if (image is not null && image.EndsWith(" (deleted)", StringComparison.Ordinal))
        {
            image = image[..^10];
        }

        n = ProcFs.ReadFile(pid, "cmdline"u8, buffer);
        string commandLine;
        if (n > 0)
        {
            Span<byte> args = buffer.AsSpan(0, n).TrimEnd((byte)0);
            args.Replace((byte)0, (byte)' ');
            commandLine = Encoding.UTF8.GetString(args);
        }
        else
        {
            commandLine = "[" + comm + "]";
        }

        DateTimeOffset start = boot + TimeSpan.FromSeconds((double)startTicks / ticksPerSecond);
        return new ProcessInfo(pid, ppid, uid, users.Lookup(uid), image, commandLine, start);
    }

    private static DateTimeOffset BootTime()
    {
        foreach (string line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal)
                && long.TryParse(line.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
            {
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
        }

        throw new InvalidOperationException("/proc/stat has no btime line");
    }
}
