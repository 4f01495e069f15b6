namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// The single writer's time per event row is what limits ingest, and every row updated three B-trees
/// keyed by 16-byte ids. De-duplication's backstop moves from a unique index per event to one row
/// per batch (the watermark stays the first line; a batch row that already exists refuses the batch
/// whole), and the device/time index loses the tenant id it did not need.
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
        -- Queries by device and time; the device names its tenant, whose id the rows still carry
        -- for the scope predicate. A key of 24 bytes instead of 40.
        CREATE INDEX ix_events_device_time_v10 ON events(device_id, time_ticks);
        DROP INDEX ix_events_device_time;
        """;
}
