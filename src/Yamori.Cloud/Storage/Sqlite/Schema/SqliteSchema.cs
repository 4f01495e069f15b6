using Microsoft.Data.Sqlite;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// Creates and upgrades the schema: one migration per version, applied in order, each in its own
/// transaction with <c>PRAGMA user_version</c>. Every table holding tenant data carries <c>tenant_id</c>.
/// Each area owns its migration file (<c>Schema/V*.cs</c>), so areas change their tables without
/// touching each other's.
/// </summary>
internal static partial class SqliteSchema
{
    /// <summary>Version n is <c>Migrations[n - 1]</c>. Append only: a shipped migration never changes.</summary>
    private static readonly string[] Migrations = [V1Ingest, V2Enrollment, V3Identity, V4Audit, V5Detection, V6Notifications, V7Response, V8IngestIndexes, V9Heartbeats, V10EventBatches];

    /// <summary>The version this build writes.</summary>
    public static int Latest => Migrations.Length;

    public static void Apply(SqliteConnection connection, string path)
    {
        using SqliteCommand version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        long current = (long)version.ExecuteScalar()!;
        if (current > Latest)
        {
            throw new StoreCorruptedException(
                $"{path} has schema version {current}, newer than this Yamori ({Latest}); it was left untouched");
        }

        if (current == Latest)
        {
            return;
        }

        if (current == 0 && HasUserTables(connection))
        {
            throw new StoreCorruptedException($"{path} holds tables but no Yamori schema version; it was left untouched");
        }

        for (long next = current + 1; next <= Latest; next++)
        {
            using SqliteTransaction tx = connection.BeginTransaction();
            using SqliteCommand migrate = connection.CreateCommand();
            migrate.Transaction = tx;
            migrate.CommandText = Migrations[next - 1] + $"\nPRAGMA user_version = {next};";
            migrate.ExecuteNonQuery();
            tx.Commit();
        }
    }

    private static bool HasUserTables(SqliteConnection connection)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table'";
        return (long)cmd.ExecuteScalar()! > 0;
    }
}
