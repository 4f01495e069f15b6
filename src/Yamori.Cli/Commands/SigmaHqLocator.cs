namespace Yamori.Cli.Commands;

/// <summary>Finds SigmaHQ's rules: YAMORI_SIGMAHQ, else ../shared/data/sigmahq above the working directory.</summary>
internal static class SigmaHqLocator
{
    public static string? Find()
    {
        string? env = Environment.GetEnvironmentVariable("YAMORI_SIGMAHQ");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        for (string? dir = Directory.GetCurrentDirectory(); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "..", "shared", "data", "sigmahq");
            if (Directory.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }

    /// <summary>The packs a scan loads by default: every production rule pack.</summary>
    public static IEnumerable<string> DefaultPacks(string root)
    {
        foreach (string pack in new[] { "rules", "rules-emerging-threats", "rules-threat-hunting" })
        {
            string path = Path.Combine(root, pack);
            if (Directory.Exists(path))
            {
                yield return path;
            }
        }
    }
}
