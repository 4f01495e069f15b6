using System.Text.Json;
using Microsoft.Data.Sqlite;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Detection;

/// <summary>
/// <see cref="IAlertStore"/> and <see cref="IIncidentStore"/> on the embedded SQLite file: one
/// class, because detection writes an alert and its incident in one transaction. Alerts are rare
/// next to events, so a pooled connection per call is enough.
/// </summary>
public sealed partial class SqliteDetectionStore(SqliteDatabase database) : IAlertStore, IIncidentStore
{
    private const string AlertColumns =
        "id, tenant_id, device_id, rule_id, rule_title, level, techniques, tactics, first_seen_ticks, last_seen_ticks, count, event_ids, user_name, image, process_id, process_guid, detail, incident_id, created_ticks";

    public ValueTask<Alert?> FindMergeableAsync(TenantScope scope, DeviceId device, string ruleId, DateTimeOffset lastSeenAtLeast, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {AlertColumns} FROM alerts
            WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} AND device_id = $device AND rule_id = $rule AND last_seen_ticks >= $since
            ORDER BY last_seen_ticks DESC LIMIT 1
            """;
        cmd.Parameters.AddWithValue("$device", device.ToBlob());
        cmd.Parameters.AddWithValue("$rule", ruleId);
        cmd.Parameters.AddWithValue("$since", lastSeenAtLeast.UtcTicks);
        return ValueTask.FromResult(ReadAlerts(cmd).FirstOrDefault());
    }

    public ValueTask<Alert?> GetAlertAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {AlertColumns} FROM alerts WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$id", id.ToByteArray());
        return ValueTask.FromResult(ReadAlerts(cmd).FirstOrDefault());
    }

    public ValueTask<IReadOnlyList<Alert>> ListAlertsAsync(TenantScope scope, AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit, nameof(query.Limit));
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        var where = new List<string> { TenantFilter.Predicate(cmd, scope, "tenant_id") };
        if (query.IncidentId is { } incident)
        {
            where.Add("incident_id = $incident");
            cmd.Parameters.AddWithValue("$incident", incident.ToByteArray());
        }

        if (query.Device is { } device)
        {
            where.Add("device_id = $device");
            cmd.Parameters.AddWithValue("$device", device.ToBlob());
        }

        if (query.RuleId is { } rule)
        {
            where.Add("rule_id = $rule");
            cmd.Parameters.AddWithValue("$rule", rule);
        }

        if (query.SeenBefore is { } before)
        {
            where.Add("last_seen_ticks < $before");
            cmd.Parameters.AddWithValue("$before", before.UtcTicks);
        }

        cmd.CommandText = $"SELECT {AlertColumns} FROM alerts WHERE {string.Join(" AND ", where)} ORDER BY last_seen_ticks DESC, created_ticks DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", query.Limit);
        return ValueTask.FromResult<IReadOnlyList<Alert>>(ReadAlerts(cmd));
    }

    public ValueTask RecordDetectionAsync(TenantScope scope, IReadOnlyList<Alert> alerts, IReadOnlyList<Incident> created, IReadOnlyList<Incident> updated, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        foreach (Incident incident in created)
        {
            TenantId tenant = scope.ForWrite(incident.Tenant);
            InsertIncident(connection, tx, tenant, incident);
        }

        foreach (Incident incident in updated)
        {
            TenantId tenant = scope.ForWrite(incident.Tenant);
            UpdateIncidentDetection(connection, tx, tenant, incident);
        }

        foreach (Alert alert in alerts)
        {
            TenantId tenant = scope.ForWrite(alert.Tenant);
            UpsertAlert(connection, tx, tenant, alert);
        }

        tx.Commit();
        return ValueTask.CompletedTask;
    }

    private static void UpsertAlert(SqliteConnection connection, SqliteTransaction tx, TenantId tenant, Alert a)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"""
            INSERT INTO alerts ({AlertColumns})
            VALUES ($id, $tenant, $device, $rule, $title, $level, $techniques, $tactics, $first, $last, $count, $events, $user, $image, $pid, $pguid, $detail, $incident, $created)
            ON CONFLICT (id) DO UPDATE SET first_seen_ticks = excluded.first_seen_ticks, last_seen_ticks = excluded.last_seen_ticks,
                count = excluded.count, event_ids = excluded.event_ids, incident_id = excluded.incident_id
            WHERE alerts.tenant_id = excluded.tenant_id
            """;
        cmd.Parameters.AddWithValue("$id", a.Id.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$device", a.Device.ToBlob());
        cmd.Parameters.AddWithValue("$rule", a.RuleId);
        cmd.Parameters.AddWithValue("$title", a.RuleTitle);
        cmd.Parameters.AddWithValue("$level", (int)a.Level);
        cmd.Parameters.AddWithValue("$techniques", JsonSerializer.Serialize(a.Techniques));
        cmd.Parameters.AddWithValue("$tactics", JsonSerializer.Serialize(a.Tactics));
        cmd.Parameters.AddWithValue("$first", a.FirstSeen.UtcTicks);
        cmd.Parameters.AddWithValue("$last", a.LastSeen.UtcTicks);
        cmd.Parameters.AddWithValue("$count", a.Count);
        cmd.Parameters.AddWithValue("$events", JsonSerializer.Serialize(a.EventIds));
        cmd.Parameters.AddWithValue("$user", (object?)a.User ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$image", (object?)a.Image ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$pid", a.ProcessId is { } pid ? pid : DBNull.Value);
        cmd.Parameters.AddWithValue("$pguid", (object?)a.ProcessGuid ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$detail", (object?)a.Detail ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$incident", a.IncidentId is { } inc ? inc.ToByteArray() : DBNull.Value);
        cmd.Parameters.AddWithValue("$created", a.CreatedAt.UtcTicks);
        if (cmd.ExecuteNonQuery() == 0)
        {
            throw new TenantScopeException($"alert {a.Id} belongs to another tenant");
        }
    }

    private static List<Alert> ReadAlerts(SqliteCommand cmd)
    {
        var alerts = new List<Alert>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            alerts.Add(new Alert(
                r.GetGuid(0),
                new TenantId(r.GetGuid(1)),
                new DeviceId(r.GetGuid(2)),
                r.GetString(3),
                r.GetString(4),
                (SigmaLevel)r.GetInt32(5),
                JsonSerializer.Deserialize<string[]>(r.GetString(6))!,
                JsonSerializer.Deserialize<string[]>(r.GetString(7))!,
                Ticks(r.GetInt64(8)),
                Ticks(r.GetInt64(9)),
                r.GetInt64(10),
                JsonSerializer.Deserialize<long[]>(r.GetString(11))!,
                r.IsDBNull(12) ? null : r.GetString(12),
                r.IsDBNull(13) ? null : r.GetString(13),
                r.IsDBNull(14) ? null : r.GetInt64(14),
                r.IsDBNull(15) ? null : r.GetString(15),
                r.IsDBNull(16) ? null : r.GetString(16),
                r.IsDBNull(17) ? null : r.GetGuid(17),
                Ticks(r.GetInt64(18))));
        }

        return alerts;
    }

    private static DateTimeOffset Ticks(long ticks) => new(ticks, TimeSpan.Zero);
}
