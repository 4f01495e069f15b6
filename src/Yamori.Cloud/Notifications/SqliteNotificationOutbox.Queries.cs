using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Notifications;

/// <summary>The read side of the outbox: what the API shows per tenant.</summary>
public sealed partial class SqliteNotificationOutbox
{
    public ValueTask<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(TenantScope scope, Guid? sourceId = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        string bySource = sourceId is null ? "" : "AND source_id = $source";
        cmd.CommandText = $"""
            SELECT id, tenant_id, message_id, source_id, is_digest, contact_id, channel, attempt, time_ticks, outcome, error
            FROM notification_attempts WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} {bySource} ORDER BY id LIMIT $limit
            """;
        if (sourceId is { } s)
        {
            cmd.Parameters.AddWithValue("$source", s.ToByteArray());
        }

        cmd.Parameters.AddWithValue("$limit", limit);
        var list = new List<DeliveryAttempt>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new DeliveryAttempt(
                r.GetInt64(0), new TenantId(r.GetGuid(1)), r.GetGuid(2), r.GetGuid(3), r.GetInt32(4) != 0, new ContactId(r.GetGuid(5)),
                (NotificationChannelKind)r.GetInt32(6), r.GetInt32(7), new DateTimeOffset(r.GetInt64(8), TimeSpan.Zero),
                (DeliveryOutcome)r.GetInt32(9), r.IsDBNull(10) ? null : r.GetString(10)));
        }

        return ValueTask.FromResult<IReadOnlyList<DeliveryAttempt>>(list);
    }

    public ValueTask<IReadOnlyList<OutboxMessage>> ListMessagesAsync(TenantScope scope, Guid? sourceId = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        string bySource = sourceId is null ? "" : "AND source_id = $source";
        cmd.CommandText = $"""
            SELECT {MessageColumns} FROM notification_messages
            WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} {bySource} ORDER BY created_ticks DESC, id LIMIT $limit
            """;
        if (sourceId is { } s)
        {
            cmd.Parameters.AddWithValue("$source", s.ToByteArray());
        }

        cmd.Parameters.AddWithValue("$limit", limit);
        return ValueTask.FromResult<IReadOnlyList<OutboxMessage>>(ReadMessages(cmd));
    }

    public ValueTask<IReadOnlyList<NotificationRoute>> ListRoutesAsync(TenantScope scope, Guid notificationId, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT notification_id, tenant_id, contact_id, mode, batch_id, created_ticks FROM notification_items
            WHERE notification_id = $n AND {TenantFilter.Predicate(cmd, scope, "tenant_id")} ORDER BY id
            """;
        cmd.Parameters.AddWithValue("$n", notificationId.ToByteArray());
        var list = new List<NotificationRoute>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new NotificationRoute(
                r.GetGuid(0), new TenantId(r.GetGuid(1)), new ContactId(r.GetGuid(2)), (RouteMode)r.GetInt32(3),
                r.IsDBNull(4) ? null : r.GetGuid(4), new DateTimeOffset(r.GetInt64(5), TimeSpan.Zero)));
        }

        return ValueTask.FromResult<IReadOnlyList<NotificationRoute>>(list);
    }

    private static List<OutboxMessage> ReadMessages(SqliteCommand cmd)
    {
        var list = new List<OutboxMessage>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new OutboxMessage(
                r.GetGuid(0), new TenantId(r.GetGuid(1)), new ContactId(r.GetGuid(2)), (NotificationChannelKind)r.GetInt32(3), r.GetInt32(4) != 0,
                r.GetGuid(5), (Severity)r.GetInt32(6), r.GetString(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9),
                (MessageState)r.GetInt32(10), r.GetInt32(11), new DateTimeOffset(r.GetInt64(12), TimeSpan.Zero),
                new DateTimeOffset(r.GetInt64(13), TimeSpan.Zero)));
        }

        return list;
    }
}
