using Yamori.Cloud.Audit;
using Yamori.Cloud.Storage.Sqlite;

namespace Yamori.Cli.Commands;

/// <summary>
/// <c>yamori audit verify --data DIR</c>: recomputes the audit log's hash chain from the database
/// file, without the cloud running, and says where it breaks. Exit 0 intact, 1 broken, 3 unreadable.
/// Keep the printed head hash somewhere else (a ticket, a printout): with it, even a rewrite of the
/// whole chain is detectable.
/// </summary>
internal static class AuditCommand
{
    public static async Task<int> VerifyAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? data = null;
        for (int i = 0; i < args.Length; i++)
        {
            data = args[i] switch
            {
                "--data" when i + 1 < args.Length => args[++i],
                _ => throw new UsageException($"audit verify: unknown option '{args[i]}'"),
            };
        }

        string path = Path.Combine(Path.GetFullPath(data ?? throw new UsageException("audit verify: --data DIR is required")), "yamori.db");
        if (!File.Exists(path))
        {
            stderr.WriteLine($"yamori audit verify: {path} does not exist");
            return 3;
        }

        SqliteDatabase database;
        try
        {
            database = SqliteDatabase.Open(path);
        }
        catch (StoreCorruptedException ex)
        {
            stderr.WriteLine($"yamori audit verify: {ex.Message}");
            return 3;
        }

        using var log = new SqliteAuditLog(database, TimeProvider.System);
        AuditVerification result = await log.VerifyAsync();
        if (result.IsValid)
        {
            stdout.WriteLine($"audit chain intact: {result.Count} entries, head {result.HeadHashHex}");
            return 0;
        }

        stdout.WriteLine($"audit chain BROKEN at entry {result.BrokenAt} ({result.Fault}): {result.Reason}; the {result.Count} entries before it verify");
        return 1;
    }
}
