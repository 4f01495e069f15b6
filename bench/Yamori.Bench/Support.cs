using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Yamori.Bench;

/// <summary>Minimal <c>--name value</c> option reading; the bench has three options, not worth a parser.</summary>
internal static class Args
{
    public static string String(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    public static double Double(string[] args, string name, double fallback) =>
        double.Parse(String(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public static int Int(string[] args, string name, int fallback) =>
        int.Parse(String(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    /// <summary>Every <c>name K=V</c> pair (the option may repeat), e.g. environment variables for a child process.</summary>
    public static Dictionary<string, string> Pairs(string[] args, string name)
    {
        var pairs = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == name && args[i + 1].Split('=', 2) is [var key, var value])
            {
                pairs[key] = value;
            }
        }

        return pairs;
    }
}

/// <summary>The Yamori checkout the bench runs in (for commands that build or publish a part of it).</summary>
internal static class Repository
{
    /// <summary>The directory holding Yamori.slnx above the current directory or the bench's binaries; null outside a checkout.</summary>
    public static string? Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (string? dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Yamori.slnx")))
                {
                    return dir;
                }
            }
        }

        return null;
    }
}

/// <summary>Another process's CPU time and memory, from /proc (the figures `top` and `time` report).</summary>
internal static class ProcStat
{
    /// <summary>User + system CPU seconds the process has used so far (threads that ended included).</summary>
    public static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux x86-64
    }

    /// <summary>Peak resident set since the process started (VmHWM), in MiB.</summary>
    public static double PeakRssMiB(int pid) => StatusKiB(pid, "VmHWM:") / 1024.0;

    /// <summary>Resident set now (VmRSS), in MiB.</summary>
    public static double RssMiB(int pid) => StatusKiB(pid, "VmRSS:") / 1024.0;

    private static double StatusKiB(int pid, string key)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }
}

/// <summary>What the figures were measured on, printed with them so a figure never travels without its machine.</summary>
internal static class Machine
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            cpu = line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() ?? cpu;
        }

        string build =
#if DEBUG
            "DEBUG build: figures are not valid, use -c Release";
#else
            "Release";
#endif
        return $"machine: {cpu}, {Environment.ProcessorCount} logical cores; {RuntimeInformation.FrameworkDescription} {RuntimeInformation.ProcessArchitecture}; " +
            $"{RuntimeInformation.OSDescription}; {(GCSettings.IsServerGC ? "server" : "workstation")} GC; {build}";
    }
}

/// <summary>
/// How much a second thread can add on this machine at all, measured with a pure compute loop next to
/// the figures: on a shared VM two vCPUs are not always two cores' worth, and the 2-thread figure
/// should be read against this ceiling rather than against 2.0.
/// </summary>
internal static class Calibration
{
    private const long Iterations = 300_000_000;

    public static double ParallelCeiling()
    {
        Spin(Iterations / 10);
        double one = Time(1), two = Time(2);
        return 2 * one / two;
    }

    private static double Time(int threads)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Spin(Iterations));
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>An xorshift loop: registers only, no memory traffic, nothing the JIT can fold away.</summary>
    private static ulong Spin(long n)
    {
        ulong x = 88172645463325252UL;
        for (long i = 0; i < n; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }

        GC.KeepAlive(x);
        return x;
    }
}

/// <summary>
/// Peer engines for a same-run comparison. None can be installed here (no internet; none is packaged
/// in the reachable registries), so the bench says so and quotes the published figure, labelled as such.
/// </summary>
internal static class Peer
{
    /// <summary>Hayabusa's published throughput with ~3,600 rules on a laptop, as quoted in the issue: a published figure, not a measurement.</summary>
    public const double HayabusaPublishedEventsPerSecond = 12_800;

    private static readonly string[] Names = ["hayabusa", "chainsaw", "zircolite", "zircolite.py"];

    /// <summary>The peers found on PATH, if any.</summary>
    public static List<string> OnPath()
    {
        var found = new List<string>();
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in Names)
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    found.Add(candidate);
                }
            }
        }

        return found;
    }
}
