using Microsoft.Data.Sqlite;
using Yamori.Cloud.Events;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Detection;

/// <summary>Raw events by id, for the links alerts keep (the timeline).</summary>
public sealed partial class SqliteDetectionStore : IRawEventReader
{
    public ValueTask<IReadOnlyList<StoredEvent>> GetEventsAsync(TenantScope scope, IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        var events = new List<StoredEvent>();
        if (ids.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<StoredEvent>>(events);
        }

        using SqliteConnection connection = database.OpenConnection();
        foreach (long[] chunk in ids.Distinct().Chunk(500))
        {
            using SqliteCommand cmd = connection.CreateCommand();
            var names = new string[chunk.Length];
            for (int i = 0; i < chunk.Length; i++)
            {
                names[i] = "$e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                cmd.Parameters.AddWithValue(names[i], chunk[i]);
            }

            cmd.CommandText = $"""
                SELECT id, tenant_id, device_id, sequence, idx, time_ticks, received_ticks, product, category, service, fields FROM events
                WHERE id IN ({string.Join(", ", names)}) AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}
                """;
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                var ev = new TelemetryEvent(Ticks(r.GetInt64(5)), new LogSource(r.GetString(7), r.GetString(8), r.GetString(9)), EventJson.Read(r.GetString(10)));
                events.Add(new StoredEvent(r.GetInt64(0), new TenantId(r.GetGuid(1)), new DeviceId(r.GetGuid(2)), (ulong)r.GetInt64(3), r.GetInt32(4), Ticks(r.GetInt64(6)), ev));
            }
        }

        events.Sort((a, b) => a.Event.Time != b.Event.Time ? a.Event.Time.CompareTo(b.Event.Time) : a.Id.CompareTo(b.Id));
        return ValueTask.FromResult<IReadOnlyList<StoredEvent>>(events);
    }
}
