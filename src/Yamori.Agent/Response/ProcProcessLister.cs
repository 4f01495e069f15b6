using System.Globalization;
using System.Runtime.Versioning;

namespace Yamori.Agent.Response;

/// <summary>
/// Lists processes from /proc. A live query is rare and on demand, so a plain walk is enough; a
/// process that exits during the walk is skipped (it is no longer running).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ProcProcessLister : IProcessLister
{
    public IEnumerable<ProcessRow> List()
    {
        Dictionary<uint, string> users = PasswdNames();
        foreach (int pid in Pids())
        {
            if (ProcFs.ReadStat(pid) is not { } stat)
            {
                continue;
            }

            string? image;
            try
            {
                image = ProcFs.ReadExe(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            uint? uid = ReadUid(pid);
            yield return new ProcessRow(
                pid,
                stat.ParentPid,
                image,
                ReadCommandLine(pid),
                uid,
                uid is { } u && users.TryGetValue(u, out string? name) ? name : null,
                stat.StartTimeTicks);
        }
    }

    private static IEnumerable<int> Pids()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                yield return pid;
            }
        }
    }

    private static string? ReadCommandLine(int pid)
    {
        try
        {
            string raw = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return raw.Length == 0 ? null : raw.TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static uint? ReadUid(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
                    return parts.Length > 1 && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) ? uid : null;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static Dictionary<uint, string> PasswdNames()
    {
        var names = new Dictionary<uint, string>();
        try
        {
            foreach (string line in File.ReadLines("/etc/passwd"))
            {
                string[] f = line.Split(':');
                if (f.Length > 2 && uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
                {
                    names.TryAdd(uid, f[0]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return names;
    }
}
