using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Matching;

namespace Yamori.Bench;

/// <summary>
/// Where the SigmaHQ checkout lives and how the bench loads it. The data is read in place (never
/// copied into the repository), so every figure is reproducible from the same public rule set.
/// </summary>
internal static class SigmaHq
{
    /// <summary>Every rule pack the figures are quoted for: the full SigmaHQ detection surface.</summary>
    public static readonly string[] RuleFolders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance"];

    /// <summary>YAMORI_SIGMAHQ, else <c>../shared/data/sigmahq</c> found by walking up from the current directory.</summary>
    public static string? FindRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("YAMORI_SIGMAHQ");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
        }

        for (string? dir = Directory.GetCurrentDirectory(); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "..", "shared", "data", "sigmahq");
            if (Directory.Exists(Path.Combine(candidate, "rules")))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }

    /// <summary>The root, or a clear message and exit code 2 (the bench measures nothing without the data).</summary>
    public static string RequireRoot()
    {
        string? root = FindRoot();
        if (root is null)
        {
            Console.Error.WriteLine("yamori bench: SigmaHQ data not found. Set YAMORI_SIGMAHQ to a SigmaHQ checkout " +
                "(with rules/ and regression_data/), or run from inside a tree that has ../shared/data/sigmahq.");
            Environment.Exit(2);
        }

        return root;
    }

    /// <summary>The placeholder values the rules-placeholder pack needs, from the repository's config/.</summary>
    public static CompileOptions CompileOptions()
    {
        for (string? dir = Directory.GetCurrentDirectory(); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "config", "placeholders.example.yml");
            if (File.Exists(candidate))
            {
                return new CompileOptions { Placeholders = PlaceholderConfig.Load(candidate) };
            }
        }

        // Without placeholder values the rules-placeholder pack reports compile errors; the rest still load.
        Console.Error.WriteLine("yamori bench: config/placeholders.example.yml not found; rules-placeholder will not compile");
        return Sigma.Matching.CompileOptions.Default;
    }

    /// <summary>The repository's example placeholder values, for a cloud started by the bench.</summary>
    public static string PlaceholdersPath()
    {
        for (string? dir = Directory.GetCurrentDirectory(); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "config", "placeholders.example.yml");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("config/placeholders.example.yml not found above the current directory");
    }

    public static RuleSet LoadRules(string root) =>
        RuleLoader.Load(RuleFolders.Select(f => Path.Combine(root, f)).Where(Directory.Exists), CompileOptions());

    /// <summary>Every event of SigmaHQ's regression twins, in a fixed (ordinal path) order so workloads are deterministic.</summary>
    public static List<FlatEvent> RegressionEvents(string root)
    {
        var events = new List<FlatEvent>();
        string dir = Path.Combine(root, "regression_data");
        foreach (string file in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            events.AddRange(JsonEventReader.ReadAll(File.ReadAllBytes(file), Path.GetFileName(file)));
        }

        return events;
    }
}
