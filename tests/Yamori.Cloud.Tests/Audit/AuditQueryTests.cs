using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Audit;

public sealed class AuditQueryTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly ManualClock _clock = new(Events.T0);
    private readonly SqliteAuditLog _log;
    private readonly TenantId _a = TenantId.New();
    private readonly TenantId _b = TenantId.New();

    public AuditQueryTests() => _log = new SqliteAuditLog(_temp.Database, _clock);

    public void Dispose()
    {
        _log.Dispose();
        _temp.Dispose();
    }

    private async Task Seed()
    {
        // 1: A user.create, 2: B user.create, 3: SOC-wide (no tenant) user.create, 4: A signin by u2, 5: A users.export, 6: A user.role
        (TenantId? tenant, string action, string actor)[] rows =
        [
            (_a, "user.create", "u1"), (_b, "user.create", "u1"), (null, "user.create", "u1"),
            (_a, "signin", "u2"), (_a, "users.export", "u1"), (_a, "user.role", "u1"),
        ];
        foreach ((TenantId? tenant, string action, string actor) in rows)
        {
            await _log.AppendAsync(AuditChainTests.Record(action, tenant, actor: actor));
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
    }

    private async Task<long[]> Sequences(TenantScope scope, AuditQuery query) =>
        (await _log.QueryAsync(scope, query)).Entries.Select(e => e.Sequence).ToArray();

    [Fact]
    public async Task A_town_sees_only_its_own_entries_never_soc_wide_ones()
    {
        await Seed();
        Assert.Equal(new long[] { 1, 4, 5, 6 }, await Sequences(TenantScope.For(_a), new AuditQuery()));
        Assert.Equal(new long[] { 2 }, await Sequences(TenantScope.For(_b), new AuditQuery()));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, await Sequences(TenantScope.AllTenants, new AuditQuery()));
    }

    [Fact]
    public async Task A_town_asking_for_another_towns_entries_gets_nothing()
    {
        await Seed();
        Assert.Empty(await Sequences(TenantScope.For(_a), new AuditQuery(Tenant: _b)));
        Assert.Equal(new long[] { 2 }, await Sequences(TenantScope.AllTenants, new AuditQuery(Tenant: _b)));
    }

    [Fact]
    public async Task Filters_by_action_prefix_actor_and_time()
    {
        await Seed();
        Assert.Equal(new long[] { 1, 2, 3, 6 }, await Sequences(TenantScope.AllTenants, new AuditQuery(ActionPrefix: "user")));
        Assert.Equal(new long[] { 1, 2, 3 }, await Sequences(TenantScope.AllTenants, new AuditQuery(ActionPrefix: "user.create")));
        Assert.Equal(new long[] { 4 }, await Sequences(TenantScope.AllTenants, new AuditQuery(ActorId: "u2")));
        Assert.Equal(new long[] { 2, 3 }, await Sequences(
            TenantScope.AllTenants, new AuditQuery(From: Events.T0.AddMinutes(1), To: Events.T0.AddMinutes(3))));
    }

    [Fact]
    public async Task Pages_by_sequence_until_the_end()
    {
        await Seed();
        var seen = new List<long>();
        long after = 0;
        int pages = 0;
        while (true)
        {
            AuditPage page = await _log.QueryAsync(TenantScope.AllTenants, new AuditQuery(AfterSequence: after, Limit: 4));
            pages++;
            seen.AddRange(page.Entries.Select(e => e.Sequence));
            if (page.NextAfterSequence is not { } next)
            {
                break;
            }

            after = next;
        }

        Assert.Equal(2, pages);
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], seen);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(AuditQuery.MaxLimit + 1)]
    public async Task An_out_of_range_limit_is_refused(int limit)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await _log.QueryAsync(TenantScope.AllTenants, new AuditQuery(Limit: limit)));
        Assert.Contains("limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Newest_first_pages_backwards_by_keyset_and_counts_what_matches()
    {
        await Seed();
        AuditPage newest = await _log.QueryAsync(TenantScope.AllTenants, new AuditQuery(Limit: 4, NewestFirst: true));
        Assert.Equal(new long[] { 6, 5, 4, 3 }, newest.Entries.Select(e => e.Sequence));
        Assert.Equal(3, newest.NextAfterSequence);
        AuditPage older = await _log.QueryAsync(TenantScope.AllTenants, new AuditQuery(Limit: 4, NewestFirst: true, BeforeSequence: newest.NextAfterSequence));
        Assert.Equal(new long[] { 2, 1 }, older.Entries.Select(e => e.Sequence));
        Assert.Null(older.NextAfterSequence);

        // The town's scope applies backwards too, and the count ignores paging.
        Assert.Equal(new long[] { 6, 5, 4, 1 }, await Sequences(TenantScope.For(_a), new AuditQuery(NewestFirst: true)));
        Assert.Equal(4, await _log.CountAsync(TenantScope.For(_a), new AuditQuery(Limit: 1, NewestFirst: true, BeforeSequence: 5)));
        Assert.Equal(1, await _log.CountAsync(TenantScope.For(_b), new AuditQuery()));
        Assert.Equal(4, await _log.CountAsync(TenantScope.AllTenants, new AuditQuery(ActionPrefix: "user")));
    }

    [Fact]
    public async Task Filters_by_a_part_of_the_actor_name_or_its_id_and_by_outcome()
    {
        await Seed();
        await _log.AppendAsync(new AuditRecord("u9", "Karuizawa-Admin", ActorKind.User, Role.TownAdmin, _a, "incident.status", "incident", "i-1", AuditOutcome.Denied, "192.0.2.9"));
        Assert.Equal(new long[] { 7 }, await Sequences(TenantScope.AllTenants, new AuditQuery(ActorText: "zawa-ADM")));
        Assert.Equal(new long[] { 7 }, await Sequences(TenantScope.AllTenants, new AuditQuery(ActorText: "u9")));
        Assert.Equal(new long[] { 4 }, await Sequences(TenantScope.AllTenants, new AuditQuery(ActorText: "u2")));
        Assert.Equal(new long[] { 7 }, await Sequences(TenantScope.For(_a), new AuditQuery(Outcome: AuditOutcome.Denied)));
        Assert.Empty(await Sequences(TenantScope.For(_b), new AuditQuery(Outcome: AuditOutcome.Denied)));
        Assert.Equal(6, await _log.CountAsync(TenantScope.AllTenants, new AuditQuery(Outcome: AuditOutcome.Succeeded)));
    }
}
