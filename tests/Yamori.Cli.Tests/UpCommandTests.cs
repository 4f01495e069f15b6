using Yamori.Cli.Commands;

namespace Yamori.Cli.Tests;

public sealed class UpCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "yamori-up-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Refuses_a_damaged_database_and_leaves_it_untouched()
    {
        Directory.CreateDirectory(_data);
        string db = Path.Combine(_data, "yamori.db");
        byte[] garbage = "this is not a SQLite database, but it could be someone's evidence"u8.ToArray();
        await File.WriteAllBytesAsync(db, garbage);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(["up", "--data", _data, "--api", "127.0.0.1:0", "--agent", "127.0.0.1:0"], stdout, stderr);

        Assert.Equal(3, code);
        Assert.Contains("refusing to start", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains(db, stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(db));
    }

    [Fact]
    public async Task Unknown_option_is_a_usage_error()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(2, await CommandLine.RunAsync(["up", "--bogus"], stdout, stderr));
        Assert.Contains("--bogus", stderr.ToString(), StringComparison.Ordinal);
    }
}
