using System.Text.Json;
using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Health;

/// <summary><see cref="IAgentReportStore"/> on the embedded database (table in Schema/V9Heartbeats.cs).</summary>
public sealed class SqliteAgentReportStore(SqliteDatabase database) : IAgentReportStore
{
    private const string Columns = "tenant_id, device_id, received_ticks, agent_version, spool_events, spool_bytes, dropped, cpu_percent, rss_bytes";

    public ValueTask ReplaceAsync(TenantScope scope, AgentReport report, CancellationToken cancellationToken = default)
    {
        TenantId tenant = scope.ForWrite(report.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using (SqliteCommand cmd = connection.CreateCommand())
        {
            cmd.CommandText = """
                INSERT INTO device_heartbeats (device_id, tenant_id, received_ticks, agent_version, spool_events, spool_bytes, dropped, dropped_total, cpu_percent, rss_bytes)
                VALUES ($device, $tenant, $received, $version, $spoolEvents, $spoolBytes, $dropped, $droppedTotal, $cpu, $rss)
                ON CONFLICT (device_id) DO UPDATE SET received_ticks = excluded.received_ticks, agent_version = excluded.agent_version,
                    spool_events = excluded.spool_events, spool_bytes = excluded.spool_bytes, dropped = excluded.dropped,
                    dropped_total = excluded.dropped_total, cpu_percent = excluded.cpu_percent, rss_bytes = excluded.rss_bytes
                WHERE device_heartbeats.tenant_id = excluded.tenant_id
                """;
            cmd.Parameters.AddWithValue("$device", report.Device.ToBlob());
            cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
            cmd.Parameters.AddWithValue("$received", report.ReceivedAt.UtcTicks);
            cmd.Parameters.AddWithValue("$version", report.AgentVersion);
            cmd.Parameters.AddWithValue("$spoolEvents", (long)report.SpoolEvents);
            cmd.Parameters.AddWithValue("$spoolBytes", (long)report.SpoolBytes);
            cmd.Parameters.AddWithValue("$dropped", JsonSerializer.Serialize(report.Dropped));
            cmd.Parameters.AddWithValue("$droppedTotal", (long)report.DroppedTotal);
            cmd.Parameters.AddWithValue("$cpu", report.CpuPercent);
            cmd.Parameters.AddWithValue("$rss", (long)report.RssBytes);
            if (cmd.ExecuteNonQuery() == 0)
            {
                throw new TenantScopeException($"device {report.Device} reports under another tenant");
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<AgentReport?> GetAsync(TenantScope scope, DeviceId device, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        return ValueTask.FromResult(Read(connection, scope, device));
    }

    private static AgentReport? Read(SqliteConnection connection, TenantScope scope, DeviceId device)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM device_heartbeats WHERE device_id = $device AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$device", device.ToBlob());
        using SqliteDataReader r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }

        return new AgentReport(
            new TenantId(r.GetGuid(0)),
            new DeviceId(r.GetGuid(1)),
            new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero),
            r.GetString(3),
            (ulong)r.GetInt64(4),
            (ulong)r.GetInt64(5),
            JsonSerializer.Deserialize<Dictionary<string, ulong>>(r.GetString(6)) ?? [],
            r.GetDouble(7),
            (ulong)r.GetInt64(8));
    }
}
