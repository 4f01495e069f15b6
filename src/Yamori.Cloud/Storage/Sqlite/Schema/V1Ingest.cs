namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Tenancy, devices, telemetry and integrity gaps.</summary>
internal static partial class SqliteSchema
{
    // Ids are 16-byte GUID blobs; times are UTC ticks (100 ns, as Windows event times), so nothing
    // is rounded on the way in.
    private const string V1Ingest = """
        CREATE TABLE tenants (
            id BLOB PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            retention_days INTEGER NOT NULL,
            created_ticks INTEGER NOT NULL
        );

        CREATE TABLE segments (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL REFERENCES tenants(id),
            kind INTEGER NOT NULL,
            name TEXT NOT NULL,
            cidrs TEXT NOT NULL
        );
        CREATE INDEX ix_segments_tenant ON segments(tenant_id);

        CREATE TABLE devices (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL REFERENCES tenants(id),
            hostname TEXT NOT NULL,
            os TEXT NOT NULL,
            segment_id BLOB REFERENCES segments(id),
            agent_version TEXT NOT NULL,
            last_seen_ticks INTEGER,
            health INTEGER NOT NULL,
            isolation INTEGER NOT NULL,
            tags TEXT NOT NULL
        );
        CREATE INDEX ix_devices_tenant ON devices(tenant_id, hostname);

        -- One row per device that ever sent a batch. Binds the device id to its tenant for ingest
        -- (a device id cannot be reused under another tenant) and holds the ack watermark.
        CREATE TABLE device_streams (
            device_id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            watermark INTEGER NOT NULL,
            updated_ticks INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            device_id BLOB NOT NULL,
            sequence INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            time_ticks INTEGER NOT NULL,
            received_ticks INTEGER NOT NULL,
            product TEXT NOT NULL,
            category TEXT NOT NULL,
            service TEXT NOT NULL,
            fields TEXT NOT NULL
        );
        -- The de-duplication key: a batch's events can exist once, whatever the watermark logic does.
        CREATE UNIQUE INDEX ux_events_batch ON events(tenant_id, device_id, sequence, idx);
        CREATE INDEX ix_events_device_time ON events(tenant_id, device_id, time_ticks);
        CREATE INDEX ix_events_tenant_received ON events(tenant_id, received_ticks);

        -- Sequence ranges still missing (a late batch inside a range splits it).
        CREATE TABLE integrity_gaps (
            id INTEGER PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            device_id BLOB NOT NULL,
            first_missing INTEGER NOT NULL,
            last_missing INTEGER NOT NULL,
            detected_ticks INTEGER NOT NULL
        );
        CREATE INDEX ix_gaps_device ON integrity_gaps(tenant_id, device_id, first_missing);
        """;
}
