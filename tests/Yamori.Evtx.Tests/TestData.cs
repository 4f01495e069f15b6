namespace Yamori.Tests;

/// <summary>Test data the decoder tests need beyond the shared locations (tests/Shared/TestData.cs).</summary>
public static partial class TestData
{
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
