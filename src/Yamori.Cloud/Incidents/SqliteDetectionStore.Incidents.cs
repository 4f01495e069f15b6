using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Detection;

/// <summary>The incident half of the store: correlation look-ups, the list, the workflow and its history.</summary>
public sealed partial class SqliteDetectionStore
{
    private const string IncidentColumns =
        "id, tenant_id, title, severity, status, assignee, techniques, devices, users, first_activity_ticks, last_activity_ticks, alert_count, created_ticks, updated_ticks";

    private const int KindTransition = 1;
    private const int KindAssignment = 2;
    private const int KindComment = 3;

    public ValueTask<Incident?> FindCorrelatedAsync(TenantScope scope, TenantId tenant, DeviceId device, string? userKey, DateTimeOffset activityAtLeast, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        string byUser = userKey is null ? "" : "OR id IN (SELECT incident_id FROM incident_users WHERE tenant_id = $tenant AND user_key = $user)";
        cmd.CommandText = $"""
            SELECT {IncidentColumns} FROM incidents
            WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} AND tenant_id = $tenant
              AND status NOT IN ({(int)IncidentStatus.Resolved}, {(int)IncidentStatus.FalsePositive})
              AND last_activity_ticks >= $since
              AND (id IN (SELECT incident_id FROM incident_devices WHERE tenant_id = $tenant AND device_id = $device) {byUser})
            ORDER BY last_activity_ticks DESC LIMIT 1
            """;
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$device", device.ToBlob());
        cmd.Parameters.AddWithValue("$since", activityAtLeast.UtcTicks);
        if (userKey is not null)
        {
            cmd.Parameters.AddWithValue("$user", userKey);
        }

        return ValueTask.FromResult(ReadIncidents(cmd).FirstOrDefault());
    }

    public ValueTask<Incident?> GetAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {IncidentColumns} FROM incidents WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$id", id.ToByteArray());
        return ValueTask.FromResult(ReadIncidents(cmd).FirstOrDefault());
    }

    public ValueTask<IReadOnlyList<OpenIncidentCount>> CountOpenAsync(TenantScope scope, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT tenant_id, severity, COUNT(*) FROM incidents
            WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} AND status NOT IN ({(int)IncidentStatus.Resolved}, {(int)IncidentStatus.FalsePositive})
            GROUP BY tenant_id, severity
            """;
        var counts = new List<OpenIncidentCount>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            counts.Add(new OpenIncidentCount(new TenantId(r.GetGuid(0)), (SigmaLevel)r.GetInt32(1), r.GetInt32(2)));
        }

        return ValueTask.FromResult<IReadOnlyList<OpenIncidentCount>>(counts);
    }

    public ValueTask<IncidentPage> ListAsync(TenantScope scope, IncidentQuery query, CancellationToken cancellationToken = default)
    {
        if (query.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "Limit must be between 1 and 1000");
        }

        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        var where = new List<string> { TenantFilter.Predicate(cmd, scope, "tenant_id") };
        if (query.Tenant is { } tenant)
        {
            where.Add("tenant_id = $tenant");
            cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        }

        if (query.Statuses is { Count: > 0 } statuses)
        {
            where.Add($"status IN ({string.Join(", ", statuses.Select(s => ((int)s).ToString(CultureInfo.InvariantCulture)))})");
        }

        if (query.MinSeverity is { } min)
        {
            where.Add("severity >= $min");
            cmd.Parameters.AddWithValue("$min", (int)min);
        }

        if (query.Assignee is { } assignee)
        {
            where.Add("assignee = $assignee");
            cmd.Parameters.AddWithValue("$assignee", assignee);
        }

        if (query.Device is { } device)
        {
            where.Add("id IN (SELECT incident_id FROM incident_devices WHERE device_id = $device)");
            cmd.Parameters.AddWithValue("$device", device.ToBlob());
        }

        if (query.CreatedFrom is { } from)
        {
            where.Add("created_ticks >= $from");
            cmd.Parameters.AddWithValue("$from", from.UtcTicks);
        }

        if (query.CreatedTo is { } to)
        {
            where.Add("created_ticks < $to");
            cmd.Parameters.AddWithValue("$to", to.UtcTicks);
        }

        string order;
        if (query.Sort == IncidentSort.Severity)
        {
            order = "severity DESC, last_activity_ticks DESC, id DESC";
            if (query.Cursor is { } c)
            {
                (int sev, long ticks, byte[] id) = ParseCursor(c, withSeverity: true);
                where.Add("(severity, last_activity_ticks, id) < ($csev, $cticks, $cid)");
                cmd.Parameters.AddWithValue("$csev", sev);
                cmd.Parameters.AddWithValue("$cticks", ticks);
                cmd.Parameters.AddWithValue("$cid", id);
            }
        }
        else
        {
            order = "last_activity_ticks DESC, id DESC";
            if (query.Cursor is { } c)
            {
                (_, long ticks, byte[] id) = ParseCursor(c, withSeverity: false);
                where.Add("(last_activity_ticks, id) < ($cticks, $cid)");
                cmd.Parameters.AddWithValue("$cticks", ticks);
                cmd.Parameters.AddWithValue("$cid", id);
            }
        }

        cmd.CommandText = $"SELECT {IncidentColumns} FROM incidents WHERE {string.Join(" AND ", where)} ORDER BY {order} LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", query.Limit + 1);
        List<Incident> items = ReadIncidents(cmd);
        string? next = null;
        if (items.Count > query.Limit)
        {
            items.RemoveAt(items.Count - 1);
            Incident last = items[^1];
            string idHex = Convert.ToHexString(last.Id.ToByteArray());
            next = query.Sort == IncidentSort.Severity
                ? FormattableString.Invariant($"s.{(int)last.Severity}.{last.LastActivity.UtcTicks}.{idHex}")
                : FormattableString.Invariant($"a.{last.LastActivity.UtcTicks}.{idHex}");
        }

        return ValueTask.FromResult(new IncidentPage(items, next));
    }

    private static void InsertIncident(SqliteConnection connection, SqliteTransaction tx, TenantId tenant, Incident i)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"""
            INSERT INTO incidents ({IncidentColumns})
            VALUES ($id, $tenant, $title, $severity, $status, $assignee, $techniques, $devices, $users, $first, $last, $alerts, $created, $updated)
            """;
        BindIncident(cmd, tenant, i);
        cmd.Parameters.AddWithValue("$status", (int)i.Status);
        cmd.Parameters.AddWithValue("$assignee", (object?)i.Assignee ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$created", i.CreatedAt.UtcTicks);
        cmd.ExecuteNonQuery();
        WriteKeys(connection, tx, tenant, i);
        InsertActivity(connection, tx, tenant, i.Id, KindTransition, "system", null, StatusText(i.Status), null, null, i.CreatedAt);
    }

    private static void UpdateIncidentDetection(SqliteConnection connection, SqliteTransaction tx, TenantId tenant, Incident i)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            UPDATE incidents SET title = $title, severity = $severity, techniques = $techniques, devices = $devices, users = $users,
                first_activity_ticks = $first, last_activity_ticks = $last, alert_count = $alerts, updated_ticks = $updated
            WHERE id = $id AND tenant_id = $tenant
            """;
        BindIncident(cmd, tenant, i);
        if (cmd.ExecuteNonQuery() == 0)
        {
            throw new TenantScopeException($"incident {i.Id} is not an incident of tenant {tenant}");
        }

        WriteKeys(connection, tx, tenant, i);
    }

    private static void BindIncident(SqliteCommand cmd, TenantId tenant, Incident i)
    {
        cmd.Parameters.AddWithValue("$id", i.Id.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$title", i.Title);
        cmd.Parameters.AddWithValue("$severity", (int)i.Severity);
        cmd.Parameters.AddWithValue("$techniques", JsonSerializer.Serialize(i.Techniques));
        cmd.Parameters.AddWithValue("$devices", JsonSerializer.Serialize(i.Devices.Select(d => d.Value)));
        cmd.Parameters.AddWithValue("$users", JsonSerializer.Serialize(i.Users));
        cmd.Parameters.AddWithValue("$first", i.FirstActivity.UtcTicks);
        cmd.Parameters.AddWithValue("$last", i.LastActivity.UtcTicks);
        cmd.Parameters.AddWithValue("$alerts", i.AlertCount);
        cmd.Parameters.AddWithValue("$updated", i.UpdatedAt.UtcTicks);
    }

    private static void WriteKeys(SqliteConnection connection, SqliteTransaction tx, TenantId tenant, Incident i)
    {
        using SqliteCommand dev = connection.CreateCommand();
        dev.Transaction = tx;
        dev.CommandText = "INSERT OR IGNORE INTO incident_devices (incident_id, tenant_id, device_id) VALUES ($id, $tenant, $device)";
        dev.Parameters.AddWithValue("$id", i.Id.ToByteArray());
        dev.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        SqliteParameter device = dev.Parameters.Add("$device", SqliteType.Blob);
        foreach (DeviceId d in i.Devices)
        {
            device.Value = d.ToBlob();
            dev.ExecuteNonQuery();
        }

        using SqliteCommand usr = connection.CreateCommand();
        usr.Transaction = tx;
        usr.CommandText = "INSERT OR IGNORE INTO incident_users (incident_id, tenant_id, user_key) VALUES ($id, $tenant, $user)";
        usr.Parameters.AddWithValue("$id", i.Id.ToByteArray());
        usr.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        SqliteParameter user = usr.Parameters.Add("$user", SqliteType.Text);
        foreach (string u in i.Users)
        {
            if (UserKeys.For(u) is { } key)
            {
                user.Value = key;
                usr.ExecuteNonQuery();
            }
        }
    }

    private static List<Incident> ReadIncidents(SqliteCommand cmd)
    {
        var list = new List<Incident>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new Incident(
                r.GetGuid(0),
                new TenantId(r.GetGuid(1)),
                r.GetString(2),
                (SigmaLevel)r.GetInt32(3),
                (IncidentStatus)r.GetInt32(4),
                r.IsDBNull(5) ? null : r.GetString(5),
                JsonSerializer.Deserialize<string[]>(r.GetString(6))!,
                JsonSerializer.Deserialize<Guid[]>(r.GetString(7))!.Select(g => new DeviceId(g)).ToArray(),
                JsonSerializer.Deserialize<string[]>(r.GetString(8))!,
                Ticks(r.GetInt64(9)),
                Ticks(r.GetInt64(10)),
                r.GetInt32(11),
                Ticks(r.GetInt64(12)),
                Ticks(r.GetInt64(13))));
        }

        return list;
    }

    private static (int Severity, long Ticks, byte[] Id) ParseCursor(string cursor, bool withSeverity)
    {
        string[] parts = cursor.Split('.');
        try
        {
            if (withSeverity && parts.Length == 4 && parts[0] == "s")
            {
                return (int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), Convert.FromHexString(parts[3]));
            }

            if (!withSeverity && parts.Length == 3 && parts[0] == "a")
            {
                return (0, long.Parse(parts[1], CultureInfo.InvariantCulture), Convert.FromHexString(parts[2]));
            }
        }
        catch (FormatException)
        {
        }
        catch (OverflowException)
        {
        }

        throw new ArgumentException($"cursor '{cursor}' is not a cursor of this list (it must come from NextCursor with the same sort)", nameof(cursor));
    }
}
