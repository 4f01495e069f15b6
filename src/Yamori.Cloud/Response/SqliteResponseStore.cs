using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Response;

/// <summary><see cref="IResponseStore"/> on the embedded SQLite file.</summary>
public sealed class SqliteResponseStore(SqliteDatabase database) : IResponseStore
{
    private const string Columns = """
        id, tenant_id, device_id, incident_id, kind, args, requested_by_id, requested_by_name, requested_ticks, expires_ticks,
        state, approval_by_id, approval_by_name, approval_ticks, approval_approved, cancelled_by_id, cancelled_by_name, cancelled_ticks,
        first_delivered_ticks, last_delivered_ticks, delivery_count, result_status, result_message, result_output, result_truncated,
        result_sha256, result_size, result_finished_ticks, result_received_ticks, file_sha256, file_size, file_path, file_stored_ticks, version
        """;

    private const string Values = """
        $id, $tenant, $device, $incident, $kind, $args, $req_id, $req_name, $req_ticks, $expires,
        $state, $appr_id, $appr_name, $appr_ticks, $appr_ok, $cancel_id, $cancel_name, $cancel_ticks,
        $first, $last, $count, $r_status, $r_message, $r_output, $r_truncated,
        $r_sha, $r_size, $r_finished, $r_received, $f_sha, $f_size, $f_path, $f_ticks, $version
        """;

    private const string OpenStates = "(1, 2, 3)";

    public ValueTask InsertAsync(TenantScope scope, ResponseCommand command, CancellationToken cancellationToken = default)
    {
        scope.ForWrite(command.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"INSERT INTO response_commands ({Columns}) VALUES ({Values})";
        Bind(cmd, command);
        cmd.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<ResponseCommand?> GetAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM response_commands WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$id", id.ToByteArray());
        return ValueTask.FromResult(Read(cmd).FirstOrDefault());
    }

    public ValueTask<CommandPage> ListAsync(TenantScope scope, CommandQuery query, CancellationToken cancellationToken = default)
    {
        if (query.Limit is < 1 or > 500)
        {
            throw new ArgumentException("limit must be 1 to 500", nameof(query));
        }

        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        var where = new List<string> { TenantFilter.Predicate(cmd, scope, "tenant_id") };
        if (query.Device is { } device)
        {
            where.Add("device_id = $device");
            cmd.Parameters.AddWithValue("$device", device.ToBlob());
        }

        if (query.IncidentId is { } incident)
        {
            where.Add("incident_id = $incident");
            cmd.Parameters.AddWithValue("$incident", incident.ToByteArray());
        }

        if (query.State is { } state)
        {
            where.Add("state = $state");
            cmd.Parameters.AddWithValue("$state", (int)state);
        }

        if (query.Cursor is { } cursor)
        {
            (long ticks, Guid id) = ParseCursor(cursor);
            where.Add("(requested_ticks < $c_ticks OR (requested_ticks = $c_ticks AND id < $c_id))");
            cmd.Parameters.AddWithValue("$c_ticks", ticks);
            cmd.Parameters.AddWithValue("$c_id", id.ToByteArray());
        }

        cmd.CommandText = $"SELECT {Columns} FROM response_commands WHERE {string.Join(" AND ", where)} ORDER BY requested_ticks DESC, id DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", query.Limit + 1);
        List<ResponseCommand> items = Read(cmd);
        string? next = null;
        if (items.Count > query.Limit)
        {
            items.RemoveAt(items.Count - 1);
            ResponseCommand last = items[^1];
            next = $"{last.RequestedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}.{last.Id:N}";
        }

        return ValueTask.FromResult(new CommandPage(items, next));
    }

    public ValueTask<bool> TryUpdateAsync(TenantScope scope, ResponseCommand updated, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        string[] columns = Columns.Split(',', StringSplitOptions.TrimEntries);
        string[] values = Values.Split(',', StringSplitOptions.TrimEntries);
        string set = string.Join(", ", columns.Zip(values).Where(p => p.First is not ("id" or "tenant_id" or "device_id")).Select(p => $"{p.First} = {p.Second}"));
        cmd.CommandText = $"""
            UPDATE response_commands SET {set}
            WHERE id = $id AND tenant_id = $tenant AND device_id = $device AND version = $expected AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}
            """;
        Bind(cmd, updated);
        cmd.Parameters.AddWithValue("$expected", updated.Version - 1);
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask<IReadOnlyList<ResponseCommand>> ListDeliverableAsync(TenantScope scope, DeviceId device, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {Columns} FROM response_commands
            WHERE device_id = $device AND state IN (2, 3) AND result_status IS NULL AND expires_ticks > $now
                AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}
            ORDER BY requested_ticks, id
            """;
        cmd.Parameters.AddWithValue("$device", device.ToBlob());
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        return ValueTask.FromResult<IReadOnlyList<ResponseCommand>>(Read(cmd));
    }

    public ValueTask<IReadOnlyList<ResponseCommand>> ListExpiredOpenAsync(TenantScope scope, DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {Columns} FROM response_commands
            WHERE state IN {OpenStates} AND result_status IS NULL AND expires_ticks <= $now AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}
            ORDER BY expires_ticks LIMIT $max
            """;
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        cmd.Parameters.AddWithValue("$max", max);
        return ValueTask.FromResult<IReadOnlyList<ResponseCommand>>(Read(cmd));
    }

    public ValueTask<ResponseTenantSettings?> GetSettingsAsync(TenantScope scope, TenantId tenant, CancellationToken cancellationToken = default)
    {
        if (!scope.Allows(tenant))
        {
            return ValueTask.FromResult<ResponseTenantSettings?>(null);
        }

        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT require_isolation_approval FROM response_tenant_settings WHERE tenant_id = $tenant AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        object? value = cmd.ExecuteScalar();
        return ValueTask.FromResult<ResponseTenantSettings?>(new ResponseTenantSettings(tenant, value is long v && v != 0));
    }

    public ValueTask SetSettingsAsync(TenantScope scope, ResponseTenantSettings settings, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        TenantId tenant = scope.ForWrite(settings.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO response_tenant_settings (tenant_id, require_isolation_approval, updated_ticks) VALUES ($tenant, $require, $now)
            ON CONFLICT (tenant_id) DO UPDATE SET require_isolation_approval = excluded.require_isolation_approval, updated_ticks = excluded.updated_ticks
            """;
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$require", settings.RequireIsolationApproval ? 1 : 0);
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        cmd.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    private static (long Ticks, Guid Id) ParseCursor(string cursor)
    {
        string[] parts = cursor.Split('.');
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long ticks)
            && Guid.TryParseExact(parts[1], "N", out Guid id))
        {
            return (ticks, id);
        }

        throw new ArgumentException("cursor is not one this API returned", nameof(cursor));
    }

    private static object Db<T>(T? value)
        where T : struct => value is { } v ? v : DBNull.Value;

    private static object Db(string? value) => (object?)value ?? DBNull.Value;

    private static void Bind(SqliteCommand cmd, ResponseCommand c)
    {
        SqliteParameterCollection p = cmd.Parameters;
        p.AddWithValue("$id", c.Id.ToByteArray());
        p.AddWithValue("$tenant", c.Tenant.ToBlob());
        p.AddWithValue("$device", c.Device.ToBlob());
        p.AddWithValue("$incident", c.IncidentId is { } incident ? incident.ToByteArray() : DBNull.Value);
        p.AddWithValue("$kind", (int)c.Action.Kind);
        p.AddWithValue("$args", JsonSerializer.Serialize(c.Action.ToArgs()));
        p.AddWithValue("$req_id", c.RequestedBy.Id);
        p.AddWithValue("$req_name", c.RequestedBy.Name);
        p.AddWithValue("$req_ticks", c.RequestedBy.At.UtcTicks);
        p.AddWithValue("$expires", c.ExpiresAt.UtcTicks);
        p.AddWithValue("$state", (int)c.State);
        p.AddWithValue("$appr_id", Db(c.Approval?.By.Id));
        p.AddWithValue("$appr_name", Db(c.Approval?.By.Name));
        p.AddWithValue("$appr_ticks", Db(c.Approval?.By.At.UtcTicks));
        p.AddWithValue("$appr_ok", Db(c.Approval is null ? (int?)null : c.Approval.Approved ? 1 : 0));
        p.AddWithValue("$cancel_id", Db(c.CancelledBy?.Id));
        p.AddWithValue("$cancel_name", Db(c.CancelledBy?.Name));
        p.AddWithValue("$cancel_ticks", Db(c.CancelledBy?.At.UtcTicks));
        p.AddWithValue("$first", Db(c.FirstDeliveredAt?.UtcTicks));
        p.AddWithValue("$last", Db(c.LastDeliveredAt?.UtcTicks));
        p.AddWithValue("$count", c.DeliveryCount);
        CommandOutcome? r = c.Result;
        p.AddWithValue("$r_status", Db(r is null ? (int?)null : (int)r.Status));
        p.AddWithValue("$r_message", Db(r?.Message));
        p.AddWithValue("$r_output", (object?)r?.Output ?? DBNull.Value);
        p.AddWithValue("$r_truncated", Db(r is null ? (int?)null : r.OutputTruncated ? 1 : 0));
        p.AddWithValue("$r_sha", Db(r?.Sha256));
        p.AddWithValue("$r_size", Db(r?.SizeBytes));
        p.AddWithValue("$r_finished", Db(r?.FinishedAt?.UtcTicks));
        p.AddWithValue("$r_received", Db(r?.ReceivedAt.UtcTicks));
        p.AddWithValue("$f_sha", Db(c.File?.Sha256));
        p.AddWithValue("$f_size", Db(c.File?.SizeBytes));
        p.AddWithValue("$f_path", Db(c.File?.RelativePath));
        p.AddWithValue("$f_ticks", Db(c.File?.StoredAt.UtcTicks));
        p.AddWithValue("$version", c.Version);
    }

    private static List<ResponseCommand> Read(SqliteCommand cmd)
    {
        var list = new List<ResponseCommand>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            var args = JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(5))!;
            list.Add(new ResponseCommand(
                r.GetGuid(0),
                new TenantId(r.GetGuid(1)),
                new DeviceId(r.GetGuid(2)),
                r.IsDBNull(3) ? null : r.GetGuid(3),
                ResponseAction.FromArgs((ResponseKind)r.GetInt32(4), args),
                new ActorStamp(r.GetString(6), r.GetString(7), Time(r, 8)!.Value),
                Time(r, 9)!.Value,
                (CommandState)r.GetInt32(10),
                r.IsDBNull(11) ? null : new CommandApproval(new ActorStamp(r.GetString(11), r.GetString(12), Time(r, 13)!.Value), r.GetInt32(14) != 0),
                r.IsDBNull(15) ? null : new ActorStamp(r.GetString(15), r.GetString(16), Time(r, 17)!.Value),
                Time(r, 18),
                Time(r, 19),
                r.GetInt32(20),
                r.IsDBNull(21) ? null : new CommandOutcome(
                    (ResultStatus)r.GetInt32(21),
                    r.GetString(22),
                    r.IsDBNull(23) ? [] : (byte[])r.GetValue(23),
                    r.GetInt32(24) != 0,
                    r.IsDBNull(25) ? null : r.GetString(25),
                    r.IsDBNull(26) ? null : r.GetInt64(26),
                    Time(r, 27),
                    Time(r, 28)!.Value),
                r.IsDBNull(29) ? null : new CollectedFile(r.GetString(29), r.GetInt64(30), r.GetString(31), Time(r, 32)!.Value),
                r.GetInt64(33)));
        }

        return list;
    }

    private static DateTimeOffset? Time(SqliteDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : new DateTimeOffset(r.GetInt64(ordinal), TimeSpan.Zero);
}
