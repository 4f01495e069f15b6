using System.Diagnostics;
using System.Globalization;

namespace Yamori.Bench.ScanVsLibevtx;

/// <summary>What a child process took: wall time (measured here), peak resident memory, its exit code and stderr.</summary>
internal sealed record ChildResult(int ExitCode, TimeSpan Wall, long PeakRssBytes, string Stderr);

/// <summary>
/// Runs the tools under measurement as separate processes. Peak memory comes from GNU time's
/// maximum resident set size (<c>/usr/bin/time -f %M</c>) when it is installed, else from polling
/// <c>/proc/PID/status</c> VmHWM while the process runs (which can miss a last-moment peak).
/// </summary>
internal static class ChildProcess
{
    public const string GnuTime = "/usr/bin/time";

    public static bool HasGnuTime => File.Exists(GnuTime);

    /// <summary>Runs <paramref name="file"/>; stdout goes to <paramref name="stdout"/> (streamed, never buffered whole) or is inherited.</summary>
    public static ChildResult Run(string file, IReadOnlyList<string> args, Action<Stream>? stdout = null, bool captureStderr = false, bool measureMemory = true)
    {
        string? stats = measureMemory && HasGnuTime ? Path.Combine(Path.GetTempPath(), $"yamori-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.time") : null;
        var psi = new ProcessStartInfo(stats is null ? file : GnuTime)
        {
            UseShellExecute = false,
            RedirectStandardOutput = stdout is not null,
            RedirectStandardError = captureStderr,
        };
        if (stats is not null)
        {
            foreach (string a in new[] { "-f", "%M", "-o", stats, file })
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> err = captureStderr ? p.StandardError.ReadToEndAsync() : Task.FromResult(string.Empty);
        Task output = stdout is null ? Task.CompletedTask : Task.Run(() => stdout(p.StandardOutput.BaseStream));
        long polled = 0;
        if (measureMemory && stats is null)
        {
            while (!p.WaitForExit(10))
            {
                polled = Math.Max(polled, VmHwm(p.Id));
            }
        }

        p.WaitForExit();
        output.Wait();
        TimeSpan wall = sw.Elapsed;
        long peak = polled;
        if (stats is not null)
        {
            // GNU time writes "Command exited with non-zero status N" first when the command fails.
            string? last = File.ReadAllLines(stats).LastOrDefault(l => l.Length > 0);
            peak = long.TryParse(last, NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : 0;
            File.Delete(stats);
        }

        return new ChildResult(p.ExitCode, wall, peak, err.Result);
    }

    /// <summary>VmHWM of a process in bytes (0 when it cannot be read).</summary>
    public static long VmHwm(int pid) => StatusField($"/proc/{pid}/status", "VmHWM:");

    public static long StatusField(string statusFile, string field)
    {
        try
        {
            foreach (string line in File.ReadLines(statusFile))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    string kb = line[field.Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    /// <summary>The full path of a program found on PATH, or null.</summary>
    public static string? OnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
