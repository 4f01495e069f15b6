using Microsoft.Data.Sqlite;
using Yamori.Cloud.Events;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// <see cref="IEventStore"/> on the embedded SQLite file. One long-lived writer connection with
/// prepared statements commits groups of batches; reads use pooled connections, which WAL lets run
/// alongside the writer.
/// </summary>
public sealed class SqliteEventStore : IEventStore, IDisposable
{
    private const int RetentionChunk = 10_000;

    private readonly SqliteDatabase _db;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SqliteConnection _writer;
    private readonly EventJson _json = new();
    private readonly SqliteCommand _selectStream;
    private readonly SqliteCommand _upsertStream;
    private readonly EventInsert _insertEvent;
    private readonly SqliteCommand _insertBatch;
    private readonly SqliteCommand _selectGap;
    private readonly SqliteCommand _deleteGap;
    private readonly SqliteCommand _insertGap;
    private bool _disposed;

    public SqliteEventStore(SqliteDatabase database, TimeProvider? time = null)
    {
        _db = database;
        _time = time ?? TimeProvider.System;
        _writer = database.OpenConnection();
        _selectStream = Prepare("SELECT tenant_id, watermark FROM device_streams WHERE device_id = $device", "$device");
        _upsertStream = Prepare(
            """
            INSERT INTO device_streams (device_id, tenant_id, watermark, updated_ticks) VALUES ($device, $tenant, $watermark, $now)
            ON CONFLICT (device_id) DO UPDATE SET watermark = excluded.watermark, updated_ticks = excluded.updated_ticks
            """,
            "$device", "$tenant", "$watermark", "$now");
        _insertEvent = new EventInsert(_writer);
        _insertBatch = Prepare(
            """
            INSERT INTO event_batches (device_id, sequence, tenant_id, received_ticks) VALUES ($device, $sequence, $tenant, $received)
            ON CONFLICT DO NOTHING
            """,
            "$device", "$sequence", "$tenant", "$received");
        _selectGap = Prepare(
            """
            SELECT id, first_missing, last_missing, detected_ticks FROM integrity_gaps
            WHERE tenant_id = $tenant AND device_id = $device AND first_missing <= $sequence AND last_missing >= $sequence
            """,
            "$tenant", "$device", "$sequence");
        _deleteGap = Prepare("DELETE FROM integrity_gaps WHERE id = $id", "$id");
        _insertGap = Prepare(
            """
            INSERT INTO integrity_gaps (tenant_id, device_id, first_missing, last_missing, detected_ticks)
            VALUES ($tenant, $device, $first, $last, $detected)
            """,
            "$tenant", "$device", "$first", "$last", "$detected");
    }

    public ValueTask<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<BatchToCommit> batches, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (BatchToCommit batch in batches)
        {
            batch.Scope.RequireSingle();
            SequenceRules.Validate(batch.Sequence);
        }

        _writeLock.Wait(cancellationToken);
        using WriteGate gate = _db.EnterWrite();
        try
        {
            DateTimeOffset now = _time.GetUtcNow();
            var streams = new Dictionary<DeviceId, StreamState>();
            var outcomes = new CommitOutcome[batches.Count];
            using (SqliteTransaction tx = _writer.BeginTransaction())
            {
                SetTransaction(tx);
                for (int i = 0; i < batches.Count; i++)
                {
                    outcomes[i] = CommitOne(batches[i], streams, now);
                }

                foreach ((DeviceId device, StreamState state) in streams)
                {
                    if (state.Dirty)
                    {
                        _upsertStream.Run(device.ToBlob(), state.Tenant.ToBlob(), (long)state.Watermark, now.UtcTicks);
                    }
                }

                tx.Commit();
            }

            return ValueTask.FromResult<IReadOnlyList<CommitOutcome>>(outcomes);
        }
        finally
        {
            SetTransaction(null);
            _writeLock.Release();
        }
    }

    public ValueTask<ulong> GetWatermarkAsync(TenantScope scope, DeviceId device, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = _db.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT watermark FROM device_streams WHERE device_id = $device AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$device", device.ToBlob());
        return ValueTask.FromResult(cmd.ExecuteScalar() is long w ? (ulong)w : 0UL);
    }

    public ValueTask<IReadOnlyList<StoredEvent>> QueryEventsAsync(TenantScope scope, EventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        using SqliteConnection connection = _db.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();

        // The device's tenant (if in scope) leads the index (tenant_id, device_id, time_ticks),
        // also for the SOC's all-tenant scope.
        string scoped = TenantFilter.Predicate(cmd, scope, "tenant_id");
        string after = query.AfterId is null
            ? ""
            : "AND (time_ticks, id) > ((SELECT time_ticks FROM events WHERE id = $after), $after)";
        cmd.CommandText = $"""
            SELECT id, tenant_id, sequence, idx, time_ticks, received_ticks, product, category, service, fields
            FROM events
            WHERE tenant_id = (SELECT tenant_id FROM device_streams WHERE device_id = $device AND {scoped})
              AND {scoped} AND device_id = $device AND time_ticks >= $from AND time_ticks < $to {after}
            ORDER BY time_ticks, id
            LIMIT $limit
            """;
        cmd.Parameters.AddWithValue("$device", query.Device.ToBlob());
        cmd.Parameters.AddWithValue("$from", query.From.UtcTicks);
        cmd.Parameters.AddWithValue("$to", query.To.UtcTicks);
        cmd.Parameters.AddWithValue("$limit", query.Limit);
        if (query.AfterId is { } afterId)
        {
            cmd.Parameters.AddWithValue("$after", afterId);
        }

        var events = new List<StoredEvent>();
        using SqliteDataReader reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var ev = new TelemetryEvent(
                new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
                new LogSource(reader.GetString(6), reader.GetString(7), reader.GetString(8)),
                EventJson.Read(reader.GetString(9)));
            events.Add(new StoredEvent(
                reader.GetInt64(0),
                new TenantId(reader.GetGuid(1)),
                query.Device,
                (ulong)reader.GetInt64(2),
                reader.GetInt32(3),
                new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                ev));
        }

        return ValueTask.FromResult<IReadOnlyList<StoredEvent>>(events);
    }

    public ValueTask<IReadOnlyList<IntegrityGap>> QueryGapsAsync(TenantScope scope, DeviceId? device, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = _db.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        string deviceFilter = device is null ? "" : "AND device_id = $device";
        cmd.CommandText = $"""
            SELECT tenant_id, device_id, first_missing, last_missing, detected_ticks FROM integrity_gaps
            WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} {deviceFilter}
            ORDER BY tenant_id, device_id, first_missing
            """;
        if (device is { } d)
        {
            cmd.Parameters.AddWithValue("$device", d.ToBlob());
        }

        var gaps = new List<IntegrityGap>();
        using SqliteDataReader reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            gaps.Add(new IntegrityGap(
                new TenantId(reader.GetGuid(0)),
                new DeviceId(reader.GetGuid(1)),
                (ulong)reader.GetInt64(2),
                (ulong)reader.GetInt64(3),
                new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero)));
        }

        return ValueTask.FromResult<IReadOnlyList<IntegrityGap>>(gaps);
    }

    public ValueTask<long> DeleteEventsReceivedBeforeAsync(TenantScope scope, DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        TenantId tenant = scope.RequireSingle();
        long total = 0;
        int deleted;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Short transactions, so ingest keeps committing between chunks.
            _writeLock.Wait(cancellationToken);
            try
            {
                using SqliteCommand cmd = _writer.CreateCommand();
                cmd.CommandText = """
                    DELETE FROM events WHERE id IN (
                        SELECT id FROM events WHERE tenant_id = $tenant AND received_ticks < $cutoff LIMIT $chunk)
                    """;
                cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
                cmd.Parameters.AddWithValue("$cutoff", cutoff.UtcTicks);
                cmd.Parameters.AddWithValue("$chunk", RetentionChunk);
                deleted = cmd.ExecuteNonQuery();
            }
            finally
            {
                _writeLock.Release();
            }

            total += deleted;
        }
        while (deleted == RetentionChunk);

        // The batches' de-duplication rows go with their events (the watermark still recognises a
        // very late re-send); a day's rows are one per batch, so one statement.
        _writeLock.Wait(cancellationToken);
        try
        {
            using SqliteCommand cmd = _writer.CreateCommand();
            cmd.CommandText = "DELETE FROM event_batches WHERE tenant_id = $tenant AND received_ticks < $cutoff";
            cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
            cmd.Parameters.AddWithValue("$cutoff", cutoff.UtcTicks);
            cmd.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }

        return ValueTask.FromResult(total);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _writeLock.Wait();
        foreach (SqliteCommand cmd in new[] { _selectStream, _upsertStream, _insertBatch, _selectGap, _deleteGap, _insertGap })
        {
            cmd.Dispose();
        }

        _insertEvent.Dispose();

        _json.Dispose();
        _writer.Dispose();
        _writeLock.Dispose();
    }

    private CommitOutcome CommitOne(BatchToCommit batch, Dictionary<DeviceId, StreamState> streams, DateTimeOffset now)
    {
        TenantId tenant = batch.Scope.RequireSingle();
        StreamState state = LoadStream(batch.Device, tenant, streams);
        if (state.Tenant != tenant)
        {
            // Never reveal the other tenant's watermark.
            return new CommitOutcome(CommitStatus.TenantMismatch, 0, null, []);
        }

        ulong sequence = batch.Sequence;

        // The backstop, whatever the watermark says: a batch is stored at most once. (A re-send the
        // watermark recognises below also leaves its row here; the row only says "seen".)
        if (_insertBatch.Run(batch.Device.ToBlob(), (long)sequence, tenant.ToBlob(), now.UtcTicks) == 0)
        {
            return new CommitOutcome(CommitStatus.Duplicate, state.Watermark, null, []);
        }

        IntegrityGap? newGap = null;
        if (sequence <= state.Watermark)
        {
            if (!TryFillGap(tenant, batch.Device, sequence))
            {
                return new CommitOutcome(CommitStatus.Duplicate, state.Watermark, null, []);
            }
        }
        else
        {
            if (sequence > state.Watermark + 1)
            {
                newGap = new IntegrityGap(tenant, batch.Device, state.Watermark + 1, sequence - 1, now);
                _insertGap.Run(tenant.ToBlob(), batch.Device.ToBlob(), (long)newGap.FirstMissing, (long)newGap.LastMissing, now.UtcTicks);
            }

            state.Watermark = sequence;
            state.Dirty = true;
        }

        IReadOnlyList<StoredEvent> stored = InsertEvents(tenant, batch, now);
        return new CommitOutcome(CommitStatus.Stored, state.Watermark, newGap, stored);
    }

    private List<StoredEvent> InsertEvents(TenantId tenant, BatchToCommit batch, DateTimeOffset now)
    {
        var stored = new List<StoredEvent>(batch.Events.Count);
        byte[] tenantBlob = tenant.ToBlob();
        byte[] deviceBlob = batch.Device.ToBlob();
        for (int i = 0; i < batch.Events.Count; i++)
        {
            TelemetryEvent ev = batch.Events[i];
            ReadOnlySpan<byte> fields;
            if (batch.FieldsJson is { } encoded)
            {
                fields = encoded[i];
            }
            else
            {
                _json.Clear();
                _json.Append(ev.Fields);
                fields = _json.Written;
            }

            long id = _insertEvent.Run(tenantBlob, deviceBlob, batch.Sequence, i, ev.Time.UtcTicks, now.UtcTicks, ev.Source.Product, ev.Source.Category, ev.Source.Service, fields);
            stored.Add(new StoredEvent(id, tenant, batch.Device, batch.Sequence, i, now, ev));
        }

        return stored;
    }

    /// <summary>A batch at or below the watermark is new only if its sequence lies in a recorded gap: split the gap around it.</summary>
    private bool TryFillGap(TenantId tenant, DeviceId device, ulong sequence)
    {
        long id;
        ulong first;
        ulong last;
        long detected;
        _selectGap.SetParameters(tenant.ToBlob(), device.ToBlob(), (long)sequence);
        using (SqliteDataReader reader = _selectGap.ExecuteReader())
        {
            if (!reader.Read())
            {
                return false;
            }

            (id, first, last, detected) = (reader.GetInt64(0), (ulong)reader.GetInt64(1), (ulong)reader.GetInt64(2), reader.GetInt64(3));
        }

        _deleteGap.Run(id);
        if (first < sequence)
        {
            _insertGap.Run(tenant.ToBlob(), device.ToBlob(), (long)first, (long)(sequence - 1), detected);
        }

        if (sequence < last)
        {
            _insertGap.Run(tenant.ToBlob(), device.ToBlob(), (long)(sequence + 1), (long)last, detected);
        }

        return true;
    }

    private StreamState LoadStream(DeviceId device, TenantId tenant, Dictionary<DeviceId, StreamState> streams)
    {
        if (streams.TryGetValue(device, out StreamState? state))
        {
            return state;
        }

        _selectStream.SetParameters(device.ToBlob());
        using (SqliteDataReader reader = _selectStream.ExecuteReader())
        {
            state = reader.Read()
                ? new StreamState(new TenantId(reader.GetGuid(0)), (ulong)reader.GetInt64(1))
                : new StreamState(tenant, 0) { Dirty = true };
        }

        streams.Add(device, state);
        return state;
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        SqliteCommand cmd = _writer.CreateCommand();
        cmd.CommandText = sql;
        foreach (string name in parameters)
        {
            cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        cmd.Prepare();
        return cmd;
    }

    private void SetTransaction(SqliteTransaction? tx)
    {
        foreach (SqliteCommand cmd in new[] { _selectStream, _upsertStream, _insertBatch, _selectGap, _deleteGap, _insertGap })
        {
            cmd.Transaction = tx;
        }
    }

    private sealed class StreamState(TenantId tenant, ulong watermark)
    {
        public TenantId Tenant { get; } = tenant;

        public ulong Watermark { get; set; } = watermark;

        public bool Dirty { get; set; }
    }
}
