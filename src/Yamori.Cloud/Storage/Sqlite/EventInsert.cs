using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// The one statement the single writer runs per event, stepped through SQLitePCL directly: the
/// fields are bound as the UTF-8 they were encoded to, and Microsoft.Data.Sqlite's per-execution
/// work (statement enumeration, parameter conversion, a reader for an INSERT) stays off the hot path.
/// Runs inside the writer connection's transaction like any other statement on it.
/// </summary>
internal sealed class EventInsert : IDisposable
{
    private const string Sql =
        """
        INSERT INTO events (tenant_id, device_id, sequence, idx, time_ticks, received_ticks, product, category, service, fields)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        """;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public EventInsert(SqliteConnection connection)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the writer connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, Sql, out _statement));
    }

    /// <returns>The new row's id.</returns>
    public long Run(byte[] tenant, byte[] device, ulong sequence, int index, long timeTicks, long receivedTicks, string product, string category, string service, ReadOnlySpan<byte> fieldsUtf8)
    {
        try
        {
            Check(raw.sqlite3_bind_blob(_statement, 1, tenant));
            Check(raw.sqlite3_bind_blob(_statement, 2, device));
            Check(raw.sqlite3_bind_int64(_statement, 3, (long)sequence));
            Check(raw.sqlite3_bind_int64(_statement, 4, index));
            Check(raw.sqlite3_bind_int64(_statement, 5, timeTicks));
            Check(raw.sqlite3_bind_int64(_statement, 6, receivedTicks));
            Check(raw.sqlite3_bind_text(_statement, 7, product));
            Check(raw.sqlite3_bind_text(_statement, 8, category));
            Check(raw.sqlite3_bind_text(_statement, 9, service));
            Check(raw.sqlite3_bind_text(_statement, 10, fieldsUtf8));
            int rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return raw.sqlite3_last_insert_rowid(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
