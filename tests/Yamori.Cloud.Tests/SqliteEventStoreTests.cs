using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests;

public sealed class SqliteEventStoreTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly SqliteEventStore _store;
    private readonly TenantScope _townA = TenantScope.For(TenantId.New());
    private readonly TenantScope _townB = TenantScope.For(TenantId.New());
    private readonly DeviceId _device = DeviceId.New();

    public SqliteEventStoreTests() => _store = new SqliteEventStore(_temp.Database);

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Batch_is_stored_and_acked()
    {
        CommitOutcome outcome = await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 3));

        Assert.Equal(CommitStatus.Stored, outcome.Status);
        Assert.Equal(1UL, outcome.Ack);
        Assert.Null(outcome.NewGap);
        Assert.Equal(3, outcome.Stored.Count);
        Assert.Equal(1UL, await _store.GetWatermarkAsync(_townA, _device));
        IReadOnlyList<StoredEvent> events = await QueryAll(_townA);
        Assert.Equal(3, events.Count);
        Assert.Equal(outcome.Stored.Select(e => e.Id), events.Select(e => e.Id));
    }

    [Fact]
    public async Task Stored_fields_round_trip_with_their_types()
    {
        TelemetryEvent sent = new(
            Events.T0.AddTicks(1234567),
            new LogSource("linux", "network_connection", "auditd"),
            [
                new EventField("Image", EventValue.From("/usr/bin/curl")),
                new EventField("User", EventValue.From("山田 太郎")),
                new EventField("DestinationPort", EventValue.From(443L)),
                new EventField("Ratio", EventValue.From(2.0)),
                new EventField("Small", EventValue.From(1e-300)),
                new EventField("Initiated", EventValue.From(true)),
                new EventField("ParentUser", EventValue.Null),
                new EventField("Hashes", EventValue.From(["SHA256=AB", "MD5=\"q\"\\"])),
                new EventField("Empty", EventValue.From("")),
            ]);

        await _store.CommitBatchAsync(_townA, _device, 1, [sent]);

        TelemetryEvent back = Assert.Single(await QueryAll(_townA)).Event;
        Assert.Equal(sent.Time, back.Time);
        Assert.Equal(sent.Source, back.Source);
        Assert.Equal(sent.Fields, back.Fields);
    }

    [Fact]
    public async Task Resent_batch_is_stored_once()
    {
        await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 2));
        await _store.CommitBatchAsync(_townA, _device, 2, Events.Batch(2, 2));

        CommitOutcome again = await _store.CommitBatchAsync(_townA, _device, 2, Events.Batch(2, 2));
        CommitOutcome older = await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 2));

        Assert.Equal(CommitStatus.Duplicate, again.Status);
        Assert.Equal(2UL, again.Ack);
        Assert.Empty(again.Stored);
        Assert.Equal(CommitStatus.Duplicate, older.Status);
        Assert.Equal(4, (await QueryAll(_townA)).Count);
        Assert.Empty(await _store.QueryGapsAsync(_townA, _device));
    }

    [Fact]
    public async Task Same_batch_twice_in_one_group_is_stored_once()
    {
        IReadOnlyList<CommitOutcome> outcomes = await _store.CommitAsync(
        [
            new BatchToCommit(_townA, _device, 1, Events.Batch(1, 2)),
            new BatchToCommit(_townA, _device, 1, Events.Batch(1, 2)),
            new BatchToCommit(_townA, _device, 2, Events.Batch(2, 2)),
        ]);

        Assert.Equal([CommitStatus.Stored, CommitStatus.Duplicate, CommitStatus.Stored], outcomes.Select(o => o.Status));
        Assert.Equal([1UL, 1UL, 2UL], outcomes.Select(o => o.Ack));
        Assert.Equal(4, (await QueryAll(_townA)).Count);
    }

    [Fact]
    public async Task Sequence_jump_records_gap_with_exact_range()
    {
        await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 1));
        await _store.CommitBatchAsync(_townA, _device, 2, Events.Batch(2, 1));

        CommitOutcome jumped = await _store.CommitBatchAsync(_townA, _device, 7, Events.Batch(7, 1));

        Assert.Equal(CommitStatus.Stored, jumped.Status);
        Assert.Equal(7UL, jumped.Ack);
        Assert.NotNull(jumped.NewGap);
        Assert.Equal((3UL, 6UL), (jumped.NewGap.FirstMissing, jumped.NewGap.LastMissing));
        IntegrityGap gap = Assert.Single(await _store.QueryGapsAsync(_townA, _device));
        Assert.Equal((3UL, 6UL, 4UL), (gap.FirstMissing, gap.LastMissing, gap.MissingBatches));
        Assert.Equal(_device, gap.Device);
    }

    [Fact]
    public async Task First_batch_above_one_records_gap_from_one()
    {
        CommitOutcome outcome = await _store.CommitBatchAsync(_townA, _device, 4, Events.Batch(4, 1));

        Assert.Equal((1UL, 3UL), (outcome.NewGap!.FirstMissing, outcome.NewGap.LastMissing));
    }

    [Fact]
    public async Task Late_batch_inside_a_gap_is_stored_and_splits_the_gap()
    {
        await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 1));
        await _store.CommitBatchAsync(_townA, _device, 10, Events.Batch(10, 1));

        CommitOutcome late = await _store.CommitBatchAsync(_townA, _device, 5, Events.Batch(5, 2));
        CommitOutcome lateAgain = await _store.CommitBatchAsync(_townA, _device, 5, Events.Batch(5, 2));

        Assert.Equal(CommitStatus.Stored, late.Status);
        Assert.Equal(10UL, late.Ack);
        Assert.Equal(2, late.Stored.Count);
        Assert.Equal(CommitStatus.Duplicate, lateAgain.Status);
        IReadOnlyList<IntegrityGap> gaps = await _store.QueryGapsAsync(_townA, _device);
        Assert.Equal([(2UL, 4UL), (6UL, 9UL)], gaps.Select(g => (g.FirstMissing, g.LastMissing)));
        Assert.Equal(4, (await QueryAll(_townA)).Count);
    }

    [Fact]
    public async Task Device_bound_to_one_tenant_cannot_commit_for_another()
    {
        await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 1));

        CommitOutcome outcome = await _store.CommitBatchAsync(_townB, _device, 2, Events.Batch(2, 1));

        Assert.Equal(CommitStatus.TenantMismatch, outcome.Status);
        Assert.Equal(0UL, outcome.Ack);
        Assert.Single(await QueryAll(_townA));
        Assert.Equal(1UL, await _store.GetWatermarkAsync(_townA, _device));
    }

    [Fact]
    public async Task Other_tenant_scope_sees_nothing()
    {
        DeviceId deviceB = DeviceId.New();
        await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 2));
        await _store.CommitBatchAsync(_townA, _device, 3, Events.Batch(3, 2));
        await _store.CommitBatchAsync(_townB, deviceB, 1, Events.Batch(1, 2));

        Assert.Empty(await QueryAll(_townB));
        Assert.Equal(0UL, await _store.GetWatermarkAsync(_townB, _device));
        Assert.Empty(await _store.QueryGapsAsync(_townB, _device));
        Assert.Empty(await _store.QueryGapsAsync(_townB, null));
        Assert.Single(await _store.QueryGapsAsync(_townA, null));

        // The prefecture SOC sees both towns.
        Assert.Equal(4, (await QueryAll(TenantScope.AllTenants)).Count);
        Assert.Equal(2, (await _store.QueryEventsAsync(TenantScope.AllTenants, new EventQuery(deviceB, DateTimeOffset.MinValue, DateTimeOffset.MaxValue))).Count);
        Assert.Equal(3UL, await _store.GetWatermarkAsync(TenantScope.AllTenants, _device));
    }

    [Fact]
    public async Task Writes_need_a_single_tenant_scope()
    {
        await Assert.ThrowsAsync<TenantScopeException>(async () =>
            await _store.CommitBatchAsync(TenantScope.AllTenants, _device, 1, Events.Batch(1, 1)));
        await Assert.ThrowsAsync<TenantScopeException>(async () =>
            await _store.DeleteEventsReceivedBeforeAsync(TenantScope.AllTenants, DateTimeOffset.MaxValue));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await _store.CommitBatchAsync(_townA, _device, 0, Events.Batch(0, 1)));
    }

    [Fact]
    public async Task Query_by_time_range_orders_and_pages()
    {
        for (ulong s = 1; s <= 5; s++)
        {
            await _store.CommitBatchAsync(_townA, _device, s, Events.Batch(s, 3));
        }

        // Events.Process puts batch s at T0 + s seconds.
        IReadOnlyList<StoredEvent> range = await _store.QueryEventsAsync(
            _townA, new EventQuery(_device, Events.T0.AddSeconds(2), Events.T0.AddSeconds(4)));
        Assert.Equal([2UL, 2UL, 2UL, 3UL, 3UL, 3UL], range.Select(e => e.Sequence));

        var paged = new List<StoredEvent>();
        long? after = null;
        while (true)
        {
            IReadOnlyList<StoredEvent> page = await _store.QueryEventsAsync(
                _townA, new EventQuery(_device, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Limit: 4, AfterId: after));
            if (page.Count == 0)
            {
                break;
            }

            paged.AddRange(page);
            after = page[^1].Id;
        }

        Assert.Equal(15, paged.Count);
        Assert.Equal(paged.OrderBy(e => e.Event.Time).ThenBy(e => e.Id).Select(e => e.Id), paged.Select(e => e.Id));
        Assert.Equal(15, paged.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Retention_deletes_only_the_tenants_old_events_and_keeps_the_watermark()
    {
        var clock = new ManualClock(Events.T0);
        using var store = new SqliteEventStore(_temp.Database, clock);
        DeviceId deviceB = DeviceId.New();
        await store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 3));
        await store.CommitBatchAsync(_townB, deviceB, 1, Events.Batch(1, 3));
        clock.Advance(TimeSpan.FromDays(40));
        await store.CommitBatchAsync(_townA, _device, 2, Events.Batch(2, 2));

        long deleted = await store.DeleteEventsReceivedBeforeAsync(_townA, clock.GetUtcNow().AddDays(-30));

        Assert.Equal(3, deleted);
        Assert.Equal([2UL, 2UL], (await QueryAll(_townA)).Select(e => e.Sequence));
        Assert.Equal(3, (await store.QueryEventsAsync(_townB, new EventQuery(deviceB, DateTimeOffset.MinValue, DateTimeOffset.MaxValue))).Count);

        // The purged batch's de-duplication row went with it; the other town's and the new one stay.
        Assert.Equal(2L, Scalar("SELECT count(*) FROM event_batches"));
        Assert.Equal(0L, Scalar($"SELECT count(*) FROM event_batches WHERE received_ticks < {clock.GetUtcNow().AddDays(-30).UtcTicks} AND tenant_id = (SELECT tenant_id FROM events WHERE sequence = 2)"));

        // A late re-send of the purged batch is still a duplicate.
        CommitOutcome resent = await store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 3));
        Assert.Equal(CommitStatus.Duplicate, resent.Status);
        Assert.Equal(2, (await QueryAll(_townA)).Count);
    }

    [Fact]
    public async Task A_batch_is_stored_once_even_when_the_watermark_forgets_it()
    {
        await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 3));
        Execute("UPDATE device_streams SET watermark = 0");

        using var reopened = new SqliteEventStore(_temp.Database);
        CommitOutcome resent = await reopened.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 3));

        Assert.Equal(CommitStatus.Duplicate, resent.Status);
        Assert.Equal(3, (await QueryAll(_townA)).Count);
    }

    [Fact]
    public async Task Upgrading_a_version_9_file_records_its_stored_batches()
    {
        await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 3));
        await _store.CommitBatchAsync(_townA, _device, 2, Events.Batch(2, 2));

        // The file as version 9 left it: no batch rows, the unique index per event.
        Execute("""
            DROP TABLE event_batches;
            DROP INDEX ix_events_device_time_v10;
            CREATE UNIQUE INDEX ux_events_batch ON events(tenant_id, device_id, sequence, idx);
            CREATE INDEX ix_events_device_time ON events(tenant_id, device_id, time_ticks);
            PRAGMA user_version = 9;
            """);

        using var upgraded = new SqliteEventStore(SqliteDatabase.Open(_temp.Path));
        Assert.Equal(2L, Scalar("SELECT count(*) FROM event_batches"));
        Assert.Equal(0L, Scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('ux_events_batch', 'ix_events_device_time')"));
        Assert.Equal(1L, Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'ix_events_device_time_v10'"));
        Execute("UPDATE device_streams SET watermark = 0");
        Assert.Equal(CommitStatus.Duplicate, (await upgraded.CommitBatchAsync(_townA, _device, 2, Events.Batch(2, 2))).Status);
        Assert.Equal(5, (await QueryAll(_townA)).Count);
    }

    [Fact]
    public async Task Committed_batches_survive_reopening_the_file()
    {
        await _store.CommitBatchAsync(_townA, _device, 1, Events.Batch(1, 2));
        await _store.CommitBatchAsync(_townA, _device, 3, Events.Batch(3, 2));

        using var reopened = new SqliteEventStore(SqliteDatabase.Open(_temp.Path));
        Assert.Equal(3UL, await reopened.GetWatermarkAsync(_townA, _device));
        Assert.Equal(4, (await reopened.QueryEventsAsync(_townA, new EventQuery(_device, DateTimeOffset.MinValue, DateTimeOffset.MaxValue))).Count);
        Assert.Single(await reopened.QueryGapsAsync(_townA, _device));
    }

    [Fact]
    public void Damaged_or_foreign_file_is_refused_and_left_untouched()
    {
        string garbage = Path.Combine(_temp.Directory, "garbage.db");
        byte[] bytes = Enumerable.Range(0, 8192).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(garbage, bytes);

        StoreCorruptedException ex = Assert.Throws<StoreCorruptedException>(() => SqliteDatabase.Open(garbage));
        Assert.Contains("left untouched", ex.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(garbage));
    }

    private async Task<IReadOnlyList<StoredEvent>> QueryAll(TenantScope scope) =>
        await _store.QueryEventsAsync(scope, new EventQuery(_device, DateTimeOffset.MinValue, DateTimeOffset.MaxValue));

    private void Execute(string sql)
    {
        using Microsoft.Data.Sqlite.SqliteConnection connection = _temp.Database.OpenConnection();
        using Microsoft.Data.Sqlite.SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using Microsoft.Data.Sqlite.SqliteConnection connection = _temp.Database.OpenConnection();
        using Microsoft.Data.Sqlite.SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }
}
