namespace Yamori.Tests;

/// <summary>Locations of the external test data (kept outside the repository).</summary>
public static partial class TestData
{
    /// <summary>
    /// The SigmaHQ checkout: the YAMORI_SIGMAHQ environment variable, else <c>../shared/data/sigmahq</c>
    /// next to the repository (found by walking up from the test binaries); null when absent.
    /// </summary>
    public static string? SigmaHqRoot
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("YAMORI_SIGMAHQ");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }

            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "..", "shared", "data", "sigmahq");
                if (Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }

            return null;
        }
    }

    /// <summary>The example placeholder values shipped in <c>config/</c>, used to load <c>rules-placeholder</c>.</summary>
    public static string PlaceholderConfigPath
    {
        get
        {
            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "config", "placeholders.example.yml");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("config/placeholders.example.yml not found above the test binaries");
        }
    }
}
