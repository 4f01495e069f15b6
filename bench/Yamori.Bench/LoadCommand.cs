using System.Diagnostics;
using Yamori.Sigma.Loading;

namespace Yamori.Bench;

/// <summary>
/// Rule load + compile time for every SigmaHQ pack. The first load in a process pays JIT and cold
/// file caches, the way a service start does; the median of the next five is the steady figure a
/// rule reload pays. Both are wall time around <see cref="RuleLoader.Load"/>, file enumeration included.
/// </summary>
internal static class LoadCommand
{
    private const int Repeats = 5;

    public static int Run(string[] args)
    {
        _ = args;
        string root = SigmaHq.RequireRoot();
        Console.WriteLine(Machine.Describe());
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var sw = Stopwatch.StartNew();
        RuleSet first = SigmaHq.LoadRules(root);
        TimeSpan firstTime = sw.Elapsed;
        long retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.WriteLine($"rules: {first.Report}");
        Console.WriteLine($"first load (cold JIT, in-process): {firstTime.TotalMilliseconds,8:F0} ms");
        GC.KeepAlive(first);

        var times = new List<double>(Repeats);
        for (int i = 0; i < Repeats; i++)
        {
            // Collect first so one load's garbage is not charged to the next.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            sw.Restart();
            RuleSet set = SigmaHq.LoadRules(root);
            times.Add(sw.Elapsed.TotalMilliseconds);
            GC.KeepAlive(set);
        }

        times.Sort();
        Console.WriteLine($"next {Repeats} loads: {string.Join(", ", times.Select(t => t.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        Console.WriteLine($"median of {Repeats}: {times[Repeats / 2],8:F0} ms");
        Console.WriteLine($"managed heap retained by one loaded rule set: {retained / (1024.0 * 1024.0):F1} MiB");
        return 0;
    }
}
