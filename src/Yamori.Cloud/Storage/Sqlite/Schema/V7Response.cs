namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Response commands, their approvals and results, and each town's response settings.</summary>
internal static partial class SqliteSchema
{
    // One row per command through its whole life; version guards every state change (compare and
    // swap), so an approval racing an expiry or two results racing each other cannot both win.
    private const string V7Response = """
        CREATE TABLE response_commands (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            device_id BLOB NOT NULL,
            incident_id BLOB,
            kind INTEGER NOT NULL,
            args TEXT NOT NULL,
            requested_by_id TEXT NOT NULL,
            requested_by_name TEXT NOT NULL,
            requested_ticks INTEGER NOT NULL,
            expires_ticks INTEGER NOT NULL,
            state INTEGER NOT NULL,
            approval_by_id TEXT,
            approval_by_name TEXT,
            approval_ticks INTEGER,
            approval_approved INTEGER,
            cancelled_by_id TEXT,
            cancelled_by_name TEXT,
            cancelled_ticks INTEGER,
            first_delivered_ticks INTEGER,
            last_delivered_ticks INTEGER,
            delivery_count INTEGER NOT NULL,
            result_status INTEGER,
            result_message TEXT,
            result_output BLOB,
            result_truncated INTEGER,
            result_sha256 TEXT,
            result_size INTEGER,
            result_finished_ticks INTEGER,
            result_received_ticks INTEGER,
            file_sha256 TEXT,
            file_size INTEGER,
            file_path TEXT,
            file_stored_ticks INTEGER,
            version INTEGER NOT NULL
        );
        CREATE INDEX ix_response_commands_tenant ON response_commands(tenant_id, requested_ticks, id);
        CREATE INDEX ix_response_commands_device ON response_commands(device_id, state);
        CREATE INDEX ix_response_commands_incident ON response_commands(incident_id) WHERE incident_id IS NOT NULL;
        CREATE INDEX ix_response_commands_open ON response_commands(state, expires_ticks);

        CREATE TABLE response_tenant_settings (
            tenant_id BLOB PRIMARY KEY,
            require_isolation_approval INTEGER NOT NULL,
            updated_ticks INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;
}
