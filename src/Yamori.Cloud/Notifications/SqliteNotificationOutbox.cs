using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Notifications;

/// <summary><see cref="INotificationOutbox"/> on the embedded SQLite file.</summary>
public sealed partial class SqliteNotificationOutbox(SqliteDatabase database) : INotificationOutbox
{
    private const int ModeImmediate = (int)RouteMode.Immediate;
    private const int ModeDigest = (int)RouteMode.Digest;
    private const int ModeDuplicate = (int)RouteMode.Duplicate;
    private const string MessageColumns =
        "id, tenant_id, contact_id, channel, is_digest, source_id, severity, subject, body, link, state, attempts, next_attempt_ticks, created_ticks";

    public ValueTask<Guid> EnqueueAsync(NotificationRequest request, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        request.Validate();
        var id = Guid.CreateVersion7(now);
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO notifications (id, tenant_id, severity, subject, body, link, dedup_key, created_ticks, fanned_out)
            VALUES ($id, $tenant, $severity, $subject, $body, $link, $dedup, $now, 0)
            """;
        cmd.Parameters.AddWithValue("$id", id.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", request.Tenant.ToBlob());
        cmd.Parameters.AddWithValue("$severity", (int)request.Severity);
        cmd.Parameters.AddWithValue("$subject", request.Subject);
        cmd.Parameters.AddWithValue("$body", request.Body);
        cmd.Parameters.AddWithValue("$link", (object?)request.Link ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$dedup", request.DedupKey);
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        cmd.ExecuteNonQuery();
        return ValueTask.FromResult(id);
    }

    public ValueTask<int> FanOutAsync(DateTimeOffset now, TimeSpan dedupWindow, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        var pending = new List<(Guid Id, TenantId Tenant, Severity Severity, string Subject, string Body, string? Link, string Dedup, long Created)>();
        using (SqliteCommand select = Command(connection, tx, """
            SELECT id, tenant_id, severity, subject, body, link, dedup_key, created_ticks FROM notifications
            WHERE fanned_out = 0 ORDER BY created_ticks LIMIT 500
            """))
        using (SqliteDataReader r = select.ExecuteReader())
        {
            while (r.Read())
            {
                pending.Add((r.GetGuid(0), new TenantId(r.GetGuid(1)), (Severity)r.GetInt32(2), r.GetString(3), r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetInt64(7)));
            }
        }

        foreach (var n in pending)
        {
            if (n.Severity > Severity.Informational)
            {
                foreach ((ContactId contact, bool hasEmail, bool hasWebhook) in MatchingContacts(connection, tx, n.Tenant, n.Severity))
                {
                    // Only an earlier one at least as severe makes this a duplicate: an alert that
                    // escalates from medium to critical under the same key must still go out.
                    using SqliteCommand dup = Command(connection, tx, """
                        SELECT 1 FROM notification_items i JOIN notifications n ON n.id = i.notification_id
                        WHERE i.contact_id = $contact AND i.dedup_key = $dedup AND i.mode <> 3 AND i.created_ticks > $since
                            AND n.severity >= $severity LIMIT 1
                        """);
                    dup.Parameters.AddWithValue("$severity", (int)n.Severity);
                    dup.Parameters.AddWithValue("$contact", contact.Value.ToByteArray());
                    dup.Parameters.AddWithValue("$dedup", n.Dedup);
                    dup.Parameters.AddWithValue("$since", n.Created - dedupWindow.Ticks);
                    int mode = dup.ExecuteScalar() is not null ? ModeDuplicate
                        : n.Severity >= Severity.High ? ModeImmediate : ModeDigest;

                    using SqliteCommand item = Command(connection, tx, """
                        INSERT INTO notification_items (notification_id, tenant_id, contact_id, dedup_key, created_ticks, mode, batch_id)
                        VALUES ($n, $tenant, $contact, $dedup, $created, $mode, $batch)
                        """);
                    item.Parameters.AddWithValue("$n", n.Id.ToByteArray());
                    item.Parameters.AddWithValue("$tenant", n.Tenant.ToBlob());
                    item.Parameters.AddWithValue("$contact", contact.Value.ToByteArray());
                    item.Parameters.AddWithValue("$dedup", n.Dedup);
                    item.Parameters.AddWithValue("$created", n.Created);
                    item.Parameters.AddWithValue("$mode", mode);
                    item.Parameters.AddWithValue("$batch", mode == ModeImmediate ? n.Id.ToByteArray() : DBNull.Value);
                    item.ExecuteNonQuery();

                    if (mode == ModeImmediate)
                    {
                        var message = new OutboxMessage(Guid.Empty, n.Tenant, contact, NotificationChannelKind.Email, false, n.Id, n.Severity,
                            n.Subject, n.Body, n.Link, MessageState.Pending, 0, now, now);
                        InsertMessages(connection, tx, message, hasEmail, hasWebhook);
                    }
                }
            }

            using SqliteCommand done = Command(connection, tx, "UPDATE notifications SET fanned_out = 1 WHERE id = $id");
            done.Parameters.AddWithValue("$id", n.Id.ToByteArray());
            done.ExecuteNonQuery();
        }

        tx.Commit();
        return ValueTask.FromResult(pending.Count);
    }

    public ValueTask<int> ComposeDigestsAsync(DateTimeOffset now, TimeSpan period, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        var due = new List<(Guid Contact, TenantId Tenant)>();
        using (SqliteCommand select = Command(connection, tx, """
            SELECT contact_id, tenant_id FROM notification_items WHERE mode = 2 AND batch_id IS NULL
            GROUP BY contact_id, tenant_id HAVING min(created_ticks) <= $cutoff
            """))
        {
            select.Parameters.AddWithValue("$cutoff", (now - period).UtcTicks);
            using SqliteDataReader r = select.ExecuteReader();
            while (r.Read())
            {
                due.Add((r.GetGuid(0), new TenantId(r.GetGuid(1))));
            }
        }

        foreach ((Guid contact, TenantId tenant) in due)
        {
            var batch = Guid.CreateVersion7(now);
            var items = new List<(Severity Severity, string Subject, string? Link, long Created)>();
            using (SqliteCommand select = Command(connection, tx, """
                SELECT n.severity, n.subject, n.link, n.created_ticks FROM notification_items i JOIN notifications n ON n.id = i.notification_id
                WHERE i.contact_id = $contact AND i.mode = 2 AND i.batch_id IS NULL ORDER BY n.created_ticks
                """))
            {
                select.Parameters.AddWithValue("$contact", contact.ToByteArray());
                using SqliteDataReader r = select.ExecuteReader();
                while (r.Read())
                {
                    items.Add(((Severity)r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt64(3)));
                }
            }

            using (SqliteCommand claim = Command(connection, tx, "UPDATE notification_items SET batch_id = $batch WHERE contact_id = $contact AND mode = 2 AND batch_id IS NULL"))
            {
                claim.Parameters.AddWithValue("$batch", batch.ToByteArray());
                claim.Parameters.AddWithValue("$contact", contact.ToByteArray());
                claim.ExecuteNonQuery();
            }

            (bool hasEmail, bool hasWebhook) = ContactChannels(connection, tx, contact);
            var body = new StringBuilder();
            foreach (var item in items)
            {
                string at = new DateTimeOffset(item.Created, TimeSpan.Zero).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
                body.Append(CultureInfo.InvariantCulture, $"- [{item.Severity.ToWire()}] {at} {item.Subject}");
                body.Append(item.Link is null ? "\n" : $"\n  {item.Link}\n");
            }

            var message = new OutboxMessage(Guid.Empty, tenant, new ContactId(contact), NotificationChannelKind.Email, true, batch,
                items.Max(i => i.Severity), $"Yamori: {items.Count} 件の通知（ダイジェスト）", body.ToString(), null, MessageState.Pending, 0, now, now);
            InsertMessages(connection, tx, message, hasEmail, hasWebhook);
        }

        tx.Commit();
        return ValueTask.FromResult(due.Count);
    }

    public ValueTask<IReadOnlyList<OutboxMessage>> ListDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = Command(connection, null, $"""
            SELECT {MessageColumns} FROM notification_messages WHERE state = 1 AND next_attempt_ticks <= $now
            ORDER BY next_attempt_ticks, created_ticks LIMIT $max
            """);
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        cmd.Parameters.AddWithValue("$max", max);
        return ValueTask.FromResult<IReadOnlyList<OutboxMessage>>(ReadMessages(cmd));
    }

    public ValueTask RecordAttemptAsync(
        OutboxMessage message,
        DeliveryOutcome outcome,
        DateTimeOffset at,
        string? error,
        DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken = default)
    {
        if (outcome == DeliveryOutcome.Retrying && nextAttemptAt is null)
        {
            throw new ArgumentException("a retry needs the next attempt time", nameof(nextAttemptAt));
        }

        int attempt = message.Attempts + 1;
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        using (SqliteCommand insert = Command(connection, tx, """
            INSERT INTO notification_attempts (tenant_id, message_id, source_id, is_digest, contact_id, channel, attempt, time_ticks, outcome, error)
            VALUES ($tenant, $message, $source, $digest, $contact, $channel, $attempt, $at, $outcome, $error)
            """))
        {
            insert.Parameters.AddWithValue("$tenant", message.Tenant.ToBlob());
            insert.Parameters.AddWithValue("$message", message.Id.ToByteArray());
            insert.Parameters.AddWithValue("$source", message.SourceId.ToByteArray());
            insert.Parameters.AddWithValue("$digest", message.IsDigest ? 1 : 0);
            insert.Parameters.AddWithValue("$contact", message.Contact.Value.ToByteArray());
            insert.Parameters.AddWithValue("$channel", (int)message.Channel);
            insert.Parameters.AddWithValue("$attempt", attempt);
            insert.Parameters.AddWithValue("$at", at.UtcTicks);
            insert.Parameters.AddWithValue("$outcome", (int)outcome);
            insert.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            insert.ExecuteNonQuery();
        }

        using (SqliteCommand update = Command(connection, tx, """
            UPDATE notification_messages SET attempts = $attempt, state = $state, next_attempt_ticks = $next, completed_ticks = $completed
            WHERE id = $id
            """))
        {
            MessageState state = outcome switch
            {
                DeliveryOutcome.Succeeded => MessageState.Sent,
                DeliveryOutcome.Failed => MessageState.Failed,
                _ => MessageState.Pending,
            };
            update.Parameters.AddWithValue("$attempt", attempt);
            update.Parameters.AddWithValue("$state", (int)state);
            update.Parameters.AddWithValue("$next", (nextAttemptAt ?? at).UtcTicks);
            update.Parameters.AddWithValue("$completed", state == MessageState.Pending ? DBNull.Value : at.UtcTicks);
            update.Parameters.AddWithValue("$id", message.Id.ToByteArray());
            update.ExecuteNonQuery();
        }

        tx.Commit();
        return ValueTask.CompletedTask;
    }

    private static List<(ContactId Id, bool HasEmail, bool HasWebhook)> MatchingContacts(SqliteConnection connection, SqliteTransaction tx, TenantId tenant, Severity severity)
    {
        using SqliteCommand cmd = Command(connection, tx, """
            SELECT id, email IS NOT NULL, webhook_url IS NOT NULL FROM notification_contacts
            WHERE tenant_id = $tenant AND enabled = 1 AND min_severity <= $severity ORDER BY id
            """);
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$severity", (int)severity);
        var list = new List<(ContactId, bool, bool)>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add((new ContactId(r.GetGuid(0)), r.GetInt64(1) != 0, r.GetInt64(2) != 0));
        }

        return list;
    }

    private static (bool HasEmail, bool HasWebhook) ContactChannels(SqliteConnection connection, SqliteTransaction tx, Guid contact)
    {
        // A contact deleted or disabled while items waited gets no digest; its items stay claimed.
        using SqliteCommand cmd = Command(connection, tx, "SELECT email IS NOT NULL, webhook_url IS NOT NULL FROM notification_contacts WHERE id = $id AND enabled = 1");
        cmd.Parameters.AddWithValue("$id", contact.ToByteArray());
        using SqliteDataReader r = cmd.ExecuteReader();
        return r.Read() ? (r.GetInt64(0) != 0, r.GetInt64(1) != 0) : (false, false);
    }

    private static void InsertMessages(SqliteConnection connection, SqliteTransaction tx, OutboxMessage template, bool hasEmail, bool hasWebhook)
    {
        foreach ((NotificationChannelKind channel, bool present) in new[] { (NotificationChannelKind.Email, hasEmail), (NotificationChannelKind.Webhook, hasWebhook) })
        {
            if (!present)
            {
                continue;
            }

            using SqliteCommand cmd = Command(connection, tx, $"""
                INSERT INTO notification_messages ({MessageColumns})
                VALUES ($id, $tenant, $contact, $channel, $digest, $source, $severity, $subject, $body, $link, 1, 0, $next, $created)
                """);
            cmd.Parameters.AddWithValue("$id", Guid.CreateVersion7(template.CreatedAt).ToByteArray());
            cmd.Parameters.AddWithValue("$tenant", template.Tenant.ToBlob());
            cmd.Parameters.AddWithValue("$contact", template.Contact.Value.ToByteArray());
            cmd.Parameters.AddWithValue("$channel", (int)channel);
            cmd.Parameters.AddWithValue("$digest", template.IsDigest ? 1 : 0);
            cmd.Parameters.AddWithValue("$source", template.SourceId.ToByteArray());
            cmd.Parameters.AddWithValue("$severity", (int)template.Severity);
            cmd.Parameters.AddWithValue("$subject", template.Subject);
            cmd.Parameters.AddWithValue("$body", template.Body);
            cmd.Parameters.AddWithValue("$link", (object?)template.Link ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$next", template.NextAttemptAt.UtcTicks);
            cmd.Parameters.AddWithValue("$created", template.CreatedAt.UtcTicks);
            cmd.ExecuteNonQuery();
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }
}
