using Microsoft.Data.Sqlite;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Notifications;

/// <summary><see cref="IContactStore"/> on the embedded SQLite file.</summary>
public sealed class SqliteContactStore(SqliteDatabase database, TimeProvider? time = null) : IContactStore
{
    private const string Columns = "id, tenant_id, name, email, webhook_url, webhook_secret, min_severity, enabled";
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ValueTask<ContactChange> CreateAsync(Actor actor, NotificationContact contact, CancellationToken cancellationToken = default)
    {
        TenantId tenant = AuthorizeWrite(actor, contact.Tenant);
        contact.Validate();
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            INSERT INTO notification_contacts ({Columns}, updated_ticks)
            VALUES ($id, $tenant, $name, $email, $url, $secret, $min, $enabled, $now)
            """;
        Bind(cmd, contact with { Tenant = tenant });
        try
        {
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            throw new InvalidOperationException($"contact {contact.Id} already exists", ex);
        }

        return ValueTask.FromResult(new ContactChange(null, contact.ToSnapshot()));
    }

    public ValueTask<ContactChange?> UpdateAsync(Actor actor, NotificationContact contact, CancellationToken cancellationToken = default)
    {
        AuthorizeWrite(actor, contact.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        NotificationContact? before = Query(connection, tx, actor.Scope, contact.Id).FirstOrDefault();
        if (before is null)
        {
            return ValueTask.FromResult<ContactChange?>(null);
        }

        if (before.Tenant != contact.Tenant)
        {
            throw new TenantScopeException($"contact {contact.Id} belongs to another tenant");
        }

        NotificationContact after = contact with { WebhookSecret = contact.WebhookSecret ?? before.WebhookSecret };
        after.Validate();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            UPDATE notification_contacts SET name = $name, email = $email, webhook_url = $url, webhook_secret = $secret,
                min_severity = $min, enabled = $enabled, updated_ticks = $now
            WHERE id = $id AND tenant_id = $tenant
            """;
        Bind(cmd, after);
        cmd.ExecuteNonQuery();
        tx.Commit();
        return ValueTask.FromResult<ContactChange?>(new ContactChange(before.ToSnapshot(), after.ToSnapshot()));
    }

    public ValueTask<ContactChange?> DeleteAsync(Actor actor, ContactId id, CancellationToken cancellationToken = default)
    {
        RequireManager(actor);
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        NotificationContact? before = Query(connection, tx, actor.Scope, id).FirstOrDefault();
        if (before is null)
        {
            return ValueTask.FromResult<ContactChange?>(null);
        }

        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "DELETE FROM notification_contacts WHERE id = $id AND tenant_id = $tenant";
        cmd.Parameters.AddWithValue("$id", id.Value.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", before.Tenant.ToBlob());
        cmd.ExecuteNonQuery();
        tx.Commit();
        return ValueTask.FromResult<ContactChange?>(new ContactChange(before.ToSnapshot(), null));
    }

    public ValueTask<NotificationContact?> GetAsync(TenantScope scope, ContactId id, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        return ValueTask.FromResult(Query(connection, null, scope, id).FirstOrDefault());
    }

    public ValueTask<IReadOnlyList<NotificationContact>> ListAsync(TenantScope scope, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        return ValueTask.FromResult<IReadOnlyList<NotificationContact>>(Query(connection, null, scope, null));
    }

    private static void RequireManager(Actor actor)
    {
        if (actor.Role is not (Role.SocAdmin or Role.SocAnalyst or Role.TownAdmin))
        {
            throw new ContactAccessDeniedException($"role {actor.Role.ToWire()} may not change notification contacts");
        }
    }

    private static TenantId AuthorizeWrite(Actor actor, TenantId target)
    {
        RequireManager(actor);
        return actor.Scope.ForWrite(target);
    }

    private void Bind(SqliteCommand cmd, NotificationContact c)
    {
        cmd.Parameters.AddWithValue("$id", c.Id.Value.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", c.Tenant.ToBlob());
        cmd.Parameters.AddWithValue("$name", c.Name);
        cmd.Parameters.AddWithValue("$email", (object?)c.Email ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$url", (object?)c.WebhookUrl?.AbsoluteUri ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$secret", (object?)c.WebhookSecret ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$min", (int)c.MinimumSeverity);
        cmd.Parameters.AddWithValue("$enabled", c.Enabled ? 1 : 0);
        cmd.Parameters.AddWithValue("$now", _time.GetUtcNow().UtcTicks);
    }

    private static List<NotificationContact> Query(SqliteConnection connection, SqliteTransaction? tx, TenantScope scope, ContactId? id)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        string byId = id is null ? "" : "AND id = $id";
        cmd.CommandText = $"""
            SELECT {Columns} FROM notification_contacts
            WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} {byId} ORDER BY tenant_id, name
            """;
        if (id is { } c)
        {
            cmd.Parameters.AddWithValue("$id", c.Value.ToByteArray());
        }

        var list = new List<NotificationContact>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new NotificationContact(
                new ContactId(r.GetGuid(0)),
                new TenantId(r.GetGuid(1)),
                r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : new Uri(r.GetString(4)),
                r.IsDBNull(5) ? null : r.GetString(5),
                (Severity)r.GetInt32(6),
                r.GetInt32(7) != 0));
        }

        return list;
    }
}
