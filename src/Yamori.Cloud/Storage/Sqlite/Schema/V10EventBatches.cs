namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// De-duplication's backstop moves from a unique index per event to one row per batch: every event
/// row updated three B-trees, and the single writer's time per row is what limits ingest. The
/// watermark stays the first line; a batch row that already exists refuses the batch whole.
/// </summary>
internal static partial class SqliteSchema
{
    private const string V10EventBatches = """
        CREATE TABLE event_batches (
            device_id BLOB NOT NULL,
            sequence INTEGER NOT NULL,
            tenant_id BLOB NOT NULL,
            received_ticks INTEGER NOT NULL,
            PRIMARY KEY (device_id, sequence)
        ) WITHOUT ROWID;
        INSERT INTO event_batches (device_id, sequence, tenant_id, received_ticks)
            SELECT device_id, sequence, tenant_id, min(received_ticks) FROM events GROUP BY device_id, sequence;
        DROP INDEX ux_events_batch;
        """;
}
