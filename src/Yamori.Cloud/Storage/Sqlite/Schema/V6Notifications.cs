namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Notification contacts, the durable outbox, per-channel deliveries and every attempt.</summary>
internal static partial class SqliteSchema
{
    // notifications is the outbox: a request is stored before anything is sent, so a crash loses
    // nothing. fanned_out = 0 until the dispatcher has matched it to contacts (notification_items).
    // An item waits for a digest while batch_id is NULL (mode 2); messages are what a channel sends
    // (one per contact and channel; source_id is the notification, or the digest's batch id).
    private const string V6Notifications = """
        CREATE TABLE notification_contacts (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            name TEXT NOT NULL,
            email TEXT,
            webhook_url TEXT,
            webhook_secret TEXT,
            min_severity INTEGER NOT NULL,
            enabled INTEGER NOT NULL,
            updated_ticks INTEGER NOT NULL
        );
        CREATE INDEX ix_notification_contacts_tenant ON notification_contacts(tenant_id, name);

        CREATE TABLE notifications (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            severity INTEGER NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            link TEXT,
            dedup_key TEXT NOT NULL,
            created_ticks INTEGER NOT NULL,
            fanned_out INTEGER NOT NULL
        );
        CREATE INDEX ix_notifications_pending ON notifications(fanned_out, created_ticks);
        CREATE INDEX ix_notifications_tenant ON notifications(tenant_id, created_ticks);

        CREATE TABLE notification_items (
            id INTEGER PRIMARY KEY,
            notification_id BLOB NOT NULL REFERENCES notifications(id),
            tenant_id BLOB NOT NULL,
            contact_id BLOB NOT NULL,
            dedup_key TEXT NOT NULL,
            created_ticks INTEGER NOT NULL,
            mode INTEGER NOT NULL,
            batch_id BLOB
        );
        CREATE INDEX ix_notification_items_dedup ON notification_items(contact_id, dedup_key, created_ticks);
        CREATE INDEX ix_notification_items_digest ON notification_items(mode, batch_id, contact_id);

        CREATE TABLE notification_messages (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            contact_id BLOB NOT NULL,
            channel INTEGER NOT NULL,
            is_digest INTEGER NOT NULL,
            source_id BLOB NOT NULL,
            severity INTEGER NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            link TEXT,
            state INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_ticks INTEGER NOT NULL,
            created_ticks INTEGER NOT NULL,
            completed_ticks INTEGER
        );
        CREATE INDEX ix_notification_messages_due ON notification_messages(state, next_attempt_ticks);
        CREATE INDEX ix_notification_messages_tenant ON notification_messages(tenant_id, created_ticks);

        CREATE TABLE notification_attempts (
            id INTEGER PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            message_id BLOB NOT NULL,
            source_id BLOB NOT NULL,
            is_digest INTEGER NOT NULL,
            contact_id BLOB NOT NULL,
            channel INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            time_ticks INTEGER NOT NULL,
            outcome INTEGER NOT NULL,
            error TEXT
        );
        CREATE INDEX ix_notification_attempts_tenant ON notification_attempts(tenant_id, id);
        """;
}
