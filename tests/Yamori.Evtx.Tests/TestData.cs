namespace Yamori.Evtx.Tests;

/// <summary>Locations of the external test data (kept outside the repository).</summary>
public static class TestData
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

    /// <summary>Every regression .evtx (sorted), or skips the test with a clear message when the data is absent.</summary>
    public static string[] RegressionEvtxFiles()
    {
        string? root = SigmaHqRoot;
        string dir = root is null ? string.Empty : Path.Combine(root, "regression_data");
        Skip.If(root is null || !Directory.Exists(dir),
            "SigmaHQ regression data not found: set YAMORI_SIGMAHQ or place the checkout at ../shared/data/sigmahq");
        string[] files = Directory.GetFiles(dir, "*.evtx", SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        Skip.If(files.Length == 0, $"no .evtx files under {dir}");
        return files;
    }

    /// <summary>The fuzz regression corpus kept in the repository (copied next to the test binaries).</summary>
    public static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "Corpus");
}
