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

    /// <summary>
    /// The files of SigmaHQ's regression suite matching <paramref name="pattern"/> (<c>info.yml</c>,
    /// <c>*.evtx</c>), sorted, as theory rows: paths relative to the SigmaHQ root, or with
    /// <paramref name="relativeToRegressionData"/> to <c>regression_data</c> itself. One placeholder row
    /// when the data is absent, which the tests skip.
    /// </summary>
    public static Xunit.TheoryData<string> RegressionFiles(string pattern, bool relativeToRegressionData = false)
    {
        var data = new Xunit.TheoryData<string>();
        string? root = SigmaHqRoot;
        string dir = root is null ? string.Empty : Path.Combine(root, "regression_data");
        if (root is null || !Directory.Exists(dir))
        {
            data.Add("(regression data absent)");
            return data;
        }

        foreach (string file in Directory.EnumerateFiles(dir, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(relativeToRegressionData ? dir : root, file));
        }

        return data;
    }
}
