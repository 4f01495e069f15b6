namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Each device's latest self-report: drops by reason (cumulative), spool depth, agent CPU and memory.</summary>
internal static partial class SqliteSchema
{
    private const string V9Heartbeats = """
        CREATE TABLE device_heartbeats (
            device_id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            received_ticks INTEGER NOT NULL,
            agent_version TEXT NOT NULL,
            spool_events INTEGER NOT NULL,
            spool_bytes INTEGER NOT NULL,
            dropped TEXT NOT NULL,
            dropped_total INTEGER NOT NULL,
            cpu_percent REAL NOT NULL,
            rss_bytes INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX ix_device_heartbeats_tenant ON device_heartbeats(tenant_id);
        """;
}
