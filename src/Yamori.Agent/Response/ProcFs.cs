using System.Globalization;

namespace Yamori.Agent.Response;

/// <summary>The few /proc/&lt;pid&gt; reads the response actions share.</summary>
internal static class ProcFs
{
    /// <summary>Parent pid and start time (clock ticks since boot) from /proc/&lt;pid&gt;/stat; null when the process is gone.</summary>
    public static (int ParentPid, ulong StartTimeTicks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may itself hold spaces and ')', so fields
        // are counted from the last ')'.
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        string[] rest = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // rest[0] is field 3 (state); field 4 is the parent pid, field 22 the start time.
        if (rest.Length < 20
            || !int.TryParse(rest[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int ppid)
            || !ulong.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start))
        {
            return null;
        }

        return (ppid, start);
    }

    /// <summary>
    /// The executable path of <paramref name="pid"/> (the kernel's, with " (deleted)" when the file is
    /// gone); null for a kernel thread or a zombie; throws <see cref="FileNotFoundException"/>-family
    /// errors when the process does not exist.
    /// </summary>
    public static string? ReadExe(int pid)
    {
        string dir = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            return new FileInfo(dir + "/exe").LinkTarget;
        }
        catch (IOException) when (Directory.Exists(dir))
        {
            // readlink gives ENOENT for a kernel thread or a zombie while the /proc entry exists.
            return null;
        }
    }
}
