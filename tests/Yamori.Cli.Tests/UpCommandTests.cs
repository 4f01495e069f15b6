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

public sealed class AuditCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "yamori-audit-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Verify_reports_an_intact_chain_then_the_exact_entry_after_tampering()
    {
        var database = Yamori.Cloud.Storage.Sqlite.SqliteDatabase.Open(Path.Combine(_data, "yamori.db"));
        using (var log = new Yamori.Cloud.Audit.SqliteAuditLog(database, TimeProvider.System))
        {
            for (int i = 0; i < 5; i++)
            {
                await log.AppendAsync(Yamori.Cloud.Audit.AuditRecord.For(Yamori.Cloud.Identity.Actor.System, "test.step", Yamori.Cloud.Audit.AuditOutcome.Succeeded, null, "step", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        (int code, string output) = await RunAsync("audit", "verify", "--data", _data);
        Assert.Equal(0, code);
        Assert.Contains("intact: 5 entries", output, StringComparison.Ordinal);

        // Tampering needs the triggers gone first (they refuse updates); the chain still tells.
        using (var connection = database.OpenConnection())
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'";
            var triggers = new List<string>();
            using (var reader = cmd.ExecuteReader())
            {
                while (reader.Read())
                {
                    triggers.Add(reader.GetString(0));
                }
            }

            foreach (string trigger in triggers)
            {
                cmd.CommandText = $"DROP TRIGGER {trigger}";
                cmd.ExecuteNonQuery();
            }

            cmd.CommandText = "UPDATE audit_log SET target_id = 'forged' WHERE sequence = 3";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        (code, output) = await RunAsync("audit", "verify", "--data", _data);
        Assert.Equal(1, code);
        Assert.Contains("BROKEN at entry 3", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await Yamori.Cli.Commands.CommandLine.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString() + stderr);
    }
}

public sealed class UpOptionTests
{
    [Theory]
    [InlineData("--smtp", "relay.example.jp", "is not HOST:PORT")]
    [InlineData("--smtp", "relay.example.jp:587", "needs --smtp-from")]
    [InlineData("--smtp-from", "soc@example.jp", "needs --smtp")]
    public async Task Smtp_options_are_checked_before_anything_starts(string option, string value, string message)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(2, await Yamori.Cli.Commands.CommandLine.RunAsync(["up", option, value], stdout, stderr));
        Assert.Contains(message, stderr.ToString(), StringComparison.Ordinal);
    }
}
