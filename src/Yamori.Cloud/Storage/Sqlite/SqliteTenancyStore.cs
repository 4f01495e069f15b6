using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary><see cref="ITenancyStore"/> on the embedded SQLite file. Low volume: a connection per call.</summary>
public sealed class SqliteTenancyStore(SqliteDatabase database) : ITenancyStore
{
    private const string DeviceColumns = "id, tenant_id, hostname, os, segment_id, agent_version, last_seen_ticks, health, isolation, tags";

    public ValueTask CreateTenantAsync(TenantScope scope, Tenant tenant, CancellationToken cancellationToken = default)
    {
        if (!scope.IsAllTenants)
        {
            throw new TenantScopeException("only the prefecture may register a municipality");
        }

        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO tenants (id, code, name, retention_days, created_ticks) VALUES ($id, $code, $name, $retention, $created)
            """;
        cmd.Parameters.AddWithValue("$id", tenant.Id.ToBlob());
        cmd.Parameters.AddWithValue("$code", tenant.Code.Value);
        cmd.Parameters.AddWithValue("$name", tenant.Name);
        cmd.Parameters.AddWithValue("$retention", tenant.EventRetentionDays);
        cmd.Parameters.AddWithValue("$created", tenant.CreatedAt.UtcTicks);
        try
        {
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            // SQLITE_CONSTRAINT
            throw new InvalidOperationException($"municipality {tenant.Code} or tenant {tenant.Id} is already registered", ex);
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask<Tenant?> GetTenantAsync(TenantScope scope, TenantId id, CancellationToken cancellationToken = default) =>
        (await QueryTenants(scope, id)).FirstOrDefault();

    public async ValueTask<IReadOnlyList<Tenant>> ListTenantsAsync(TenantScope scope, CancellationToken cancellationToken = default) =>
        await QueryTenants(scope, null);

    public ValueTask UpsertSegmentAsync(TenantScope scope, Segment segment, CancellationToken cancellationToken = default)
    {
        TenantId tenant = scope.ForWrite(segment.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO segments (id, tenant_id, kind, name, cidrs) VALUES ($id, $tenant, $kind, $name, $cidrs)
            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, cidrs = excluded.cidrs
            WHERE segments.tenant_id = excluded.tenant_id
            """;
        cmd.Parameters.AddWithValue("$id", segment.Id.ToBlob());
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$kind", (int)segment.Kind);
        cmd.Parameters.AddWithValue("$name", segment.Name);
        cmd.Parameters.AddWithValue("$cidrs", JsonSerializer.Serialize(segment.Cidrs.Select(c => c.ToString()).ToArray()));
        if (cmd.ExecuteNonQuery() == 0)
        {
            throw new TenantScopeException($"segment {segment.Id} belongs to another tenant");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<Segment>> ListSegmentsAsync(TenantScope scope, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT id, tenant_id, kind, name, cidrs FROM segments WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} ORDER BY tenant_id, kind, name";
        var segments = new List<Segment>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            segments.Add(new Segment(
                new SegmentId(r.GetGuid(0)),
                new TenantId(r.GetGuid(1)),
                (SegmentKind)r.GetInt32(2),
                r.GetString(3),
                JsonSerializer.Deserialize<string[]>(r.GetString(4))!.Select(IPNetwork.Parse).ToArray()));
        }

        return ValueTask.FromResult<IReadOnlyList<Segment>>(segments);
    }

    public ValueTask UpsertDeviceAsync(TenantScope scope, Device device, CancellationToken cancellationToken = default)
    {
        TenantId tenant = scope.ForWrite(device.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        if (device.Segment is { } segment)
        {
            using SqliteCommand check = connection.CreateCommand();
            check.Transaction = tx;
            check.CommandText = "SELECT 1 FROM segments WHERE id = $id AND tenant_id = $tenant";
            check.Parameters.AddWithValue("$id", segment.ToBlob());
            check.Parameters.AddWithValue("$tenant", tenant.ToBlob());
            if (check.ExecuteScalar() is null)
            {
                throw new TenantScopeException($"segment {segment} is not a segment of tenant {tenant}");
            }
        }

        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"""
            INSERT INTO devices ({DeviceColumns})
            VALUES ($id, $tenant, $hostname, $os, $segment, $agent, $seen, $health, $isolation, $tags)
            ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, os = excluded.os, segment_id = excluded.segment_id,
                agent_version = excluded.agent_version, last_seen_ticks = excluded.last_seen_ticks, health = excluded.health,
                isolation = excluded.isolation, tags = excluded.tags
            WHERE devices.tenant_id = excluded.tenant_id
            """;
        cmd.Parameters.AddWithValue("$id", device.Id.ToBlob());
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$hostname", device.Hostname);
        cmd.Parameters.AddWithValue("$os", device.Os);
        cmd.Parameters.AddWithValue("$segment", device.Segment is { } s ? s.ToBlob() : DBNull.Value);
        cmd.Parameters.AddWithValue("$agent", device.AgentVersion);
        cmd.Parameters.AddWithValue("$seen", device.LastSeen is { } seen ? seen.UtcTicks : DBNull.Value);
        cmd.Parameters.AddWithValue("$health", (int)device.Health);
        cmd.Parameters.AddWithValue("$isolation", (int)device.Isolation);
        cmd.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(device.Tags));
        if (cmd.ExecuteNonQuery() == 0)
        {
            throw new TenantScopeException($"device {device.Id} belongs to another tenant");
        }

        tx.Commit();
        return ValueTask.CompletedTask;
    }

    public async ValueTask<Device?> GetDeviceAsync(TenantScope scope, DeviceId id, CancellationToken cancellationToken = default) =>
        (await QueryDevices(scope, id)).FirstOrDefault();

    public async ValueTask<IReadOnlyList<Device>> ListDevicesAsync(TenantScope scope, CancellationToken cancellationToken = default) =>
        await QueryDevices(scope, null);

    public ValueTask<bool> SetIsolationAsync(TenantScope scope, DeviceId id, IsolationState state, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"UPDATE devices SET isolation = $state WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        cmd.Parameters.AddWithValue("$state", (int)state);
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask<bool> RecordHeartbeatAsync(
        TenantScope scope,
        DeviceId id,
        DateTimeOffset seen,
        string agentVersion,
        DeviceHealth health,
        CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            UPDATE devices SET last_seen_ticks = max(coalesce(last_seen_ticks, 0), $seen), agent_version = $agent, health = $health
            WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}
            """;
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        cmd.Parameters.AddWithValue("$seen", seen.UtcTicks);
        cmd.Parameters.AddWithValue("$agent", agentVersion);
        cmd.Parameters.AddWithValue("$health", (int)health);
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    private Task<List<Tenant>> QueryTenants(TenantScope scope, TenantId? id)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        string byId = id is null ? "" : "AND id = $id";
        cmd.CommandText = $"""
            SELECT id, code, name, retention_days, created_ticks FROM tenants
            WHERE {TenantFilter.Predicate(cmd, scope, "id")} {byId} ORDER BY code
            """;
        if (id is { } t)
        {
            cmd.Parameters.AddWithValue("$id", t.ToBlob());
        }

        var tenants = new List<Tenant>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            tenants.Add(new Tenant(
                new TenantId(r.GetGuid(0)),
                MunicipalityCode.Parse(r.GetString(1)),
                r.GetString(2),
                r.GetInt32(3),
                new DateTimeOffset(r.GetInt64(4), TimeSpan.Zero)));
        }

        return Task.FromResult(tenants);
    }

    private Task<List<Device>> QueryDevices(TenantScope scope, DeviceId? id)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        string byId = id is null ? "" : "AND id = $id";
        cmd.CommandText = $"""
            SELECT {DeviceColumns} FROM devices
            WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} {byId} ORDER BY tenant_id, hostname
            """;
        if (id is { } d)
        {
            cmd.Parameters.AddWithValue("$id", d.ToBlob());
        }

        var devices = new List<Device>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            devices.Add(new Device(
                new DeviceId(r.GetGuid(0)),
                new TenantId(r.GetGuid(1)),
                r.GetString(2),
                r.GetString(3),
                r.IsDBNull(4) ? null : new SegmentId(r.GetGuid(4)),
                r.GetString(5),
                r.IsDBNull(6) ? null : new DateTimeOffset(r.GetInt64(6), TimeSpan.Zero),
                (DeviceHealth)r.GetInt32(7),
                (IsolationState)r.GetInt32(8),
                JsonSerializer.Deserialize<string[]>(r.GetString(9))!));
        }

        return Task.FromResult(devices);
    }
}
