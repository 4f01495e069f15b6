namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Alerts, incidents with their history, and per-tenant rule settings.</summary>
internal static partial class SqliteSchema
{
    private const string V5Detection = """
        CREATE TABLE alerts (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            device_id BLOB NOT NULL,
            rule_id TEXT NOT NULL,
            rule_title TEXT NOT NULL,
            level INTEGER NOT NULL,
            techniques TEXT NOT NULL,
            tactics TEXT NOT NULL,
            first_seen_ticks INTEGER NOT NULL,
            last_seen_ticks INTEGER NOT NULL,
            count INTEGER NOT NULL,
            event_ids TEXT NOT NULL,
            user_name TEXT,
            image TEXT,
            process_id INTEGER,
            process_guid TEXT,
            detail TEXT,
            incident_id BLOB,
            created_ticks INTEGER NOT NULL
        );
        -- Merging looks up the latest alert of (device, rule); the incident view lists an incident's alerts.
        CREATE INDEX ix_alerts_merge ON alerts(tenant_id, device_id, rule_id, last_seen_ticks);
        CREATE INDEX ix_alerts_incident ON alerts(incident_id);
        CREATE INDEX ix_alerts_tenant_seen ON alerts(tenant_id, last_seen_ticks);

        CREATE TABLE incidents (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            title TEXT NOT NULL,
            severity INTEGER NOT NULL,
            status INTEGER NOT NULL,
            assignee TEXT,
            techniques TEXT NOT NULL,
            devices TEXT NOT NULL,
            users TEXT NOT NULL,
            first_activity_ticks INTEGER NOT NULL,
            last_activity_ticks INTEGER NOT NULL,
            alert_count INTEGER NOT NULL,
            created_ticks INTEGER NOT NULL,
            updated_ticks INTEGER NOT NULL
        );
        CREATE INDEX ix_incidents_activity ON incidents(tenant_id, last_activity_ticks, id);
        CREATE INDEX ix_incidents_all_activity ON incidents(last_activity_ticks, id);
        CREATE INDEX ix_incidents_severity ON incidents(severity, last_activity_ticks, id);

        -- Correlation keys: an alert joins an open incident of its device or its user.
        CREATE TABLE incident_devices (
            incident_id BLOB NOT NULL,
            tenant_id BLOB NOT NULL,
            device_id BLOB NOT NULL,
            PRIMARY KEY (incident_id, device_id)
        ) WITHOUT ROWID;
        CREATE INDEX ix_incident_devices ON incident_devices(tenant_id, device_id);

        CREATE TABLE incident_users (
            incident_id BLOB NOT NULL,
            tenant_id BLOB NOT NULL,
            user_key TEXT NOT NULL,
            PRIMARY KEY (incident_id, user_key)
        ) WITHOUT ROWID;
        CREATE INDEX ix_incident_users ON incident_users(tenant_id, user_key);

        -- Every status transition (kind 1), assignee change (kind 2) and comment (kind 3), for SLA
        -- reports and the incident view. Rows are never updated.
        CREATE TABLE incident_activity (
            id INTEGER PRIMARY KEY,
            incident_id BLOB NOT NULL,
            tenant_id BLOB NOT NULL,
            kind INTEGER NOT NULL,
            actor_id TEXT NOT NULL,
            from_value TEXT,
            to_value TEXT,
            text TEXT,
            comment_id BLOB,
            at_ticks INTEGER NOT NULL
        );
        CREATE INDEX ix_incident_activity ON incident_activity(incident_id, kind, id);

        CREATE TABLE rule_overrides (
            tenant_id BLOB NOT NULL,
            rule_id TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            updated_by TEXT NOT NULL,
            updated_ticks INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, rule_id)
        ) WITHOUT ROWID;

        CREATE TABLE rule_filters (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            title TEXT NOT NULL,
            rule_ids TEXT NOT NULL,
            yaml TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_ticks INTEGER NOT NULL
        );
        CREATE INDEX ix_rule_filters_tenant ON rule_filters(tenant_id);
        """;
}
