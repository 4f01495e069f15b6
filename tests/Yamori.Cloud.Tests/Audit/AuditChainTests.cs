using Microsoft.Data.Sqlite;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Audit;

public sealed class AuditChainTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly ManualClock _clock = new(Events.T0);
    private readonly SqliteAuditLog _log;

    public AuditChainTests() => _log = new SqliteAuditLog(_temp.Database, _clock);

    public void Dispose()
    {
        _log.Dispose();
        _temp.Dispose();
    }

    internal static AuditRecord Record(string action = "user.create", TenantId? tenant = null, string? detail = null, string actor = "u1") =>
        new(actor, "alice", ActorKind.User, Role.SocAdmin, tenant, action, "user", "target-1", AuditOutcome.Succeeded, "192.0.2.7",
            "{\"role\":\"town-viewer\"}", "{\"role\":\"town-admin\"}", detail);

    private async Task AppendMany(int count)
    {
        for (int i = 0; i < count; i++)
        {
            await _log.AppendAsync(Record(detail: $"entry {i + 1}"));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private void Sql(string sql, bool dropTriggers = true)
    {
        using SqliteConnection c = _temp.Database.OpenConnection();
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = (dropTriggers ? "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;" : "") + sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public async Task Entries_are_numbered_without_holes_and_linked_by_hash()
    {
        AuditEntry first = await _log.AppendAsync(Record());
        _clock.Advance(TimeSpan.FromMinutes(1));
        AuditEntry second = await _log.AppendAsync(Record(action: "signin"));
        AuditEntry third = await _log.AppendAsync(Record(action: "signout"));

        Assert.Equal([1L, 2L, 3L], new[] { first.Sequence, second.Sequence, third.Sequence });
        Assert.Equal(new byte[32], first.PreviousHash);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(second.Hash, third.PreviousHash);
        Assert.Equal(Events.T0 + TimeSpan.FromMinutes(1), second.At);
        Assert.Equal(AuditHash.Compute(2, second.At.UtcTicks, second.Record, first.Hash), second.Hash);

        AuditVerification v = await _log.VerifyAsync();
        Assert.True(v.IsValid);
        Assert.Equal(3, v.Count);
        Assert.Equal(third.HashHex, v.HeadHashHex);
    }

    [Fact]
    public async Task An_empty_log_is_valid_with_the_genesis_head()
    {
        AuditVerification v = await _log.VerifyAsync();
        Assert.True(v.IsValid);
        Assert.Equal(0, v.Count);
        Assert.Equal(new string('0', 64), v.HeadHashHex);
    }

    [Fact]
    public async Task Stored_entries_read_back_field_for_field()
    {
        var tenant = TenantId.New();
        AuditRecord draft = Record(tenant: tenant, detail: "詳細");
        await _log.AppendAsync(draft);
        AuditEntry read = Assert.Single((await _log.QueryAsync(TenantScope.AllTenants, new AuditQuery())).Entries);
        Assert.Equal(draft, read.Record);
        Assert.Equal(Events.T0, read.At);
    }

    [Fact]
    public async Task The_triggers_refuse_update_and_delete()
    {
        await AppendMany(2);
        var update = Assert.Throws<SqliteException>(() => Sql("UPDATE audit_log SET detail = 'x' WHERE sequence = 1", dropTriggers: false));
        Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
        var delete = Assert.Throws<SqliteException>(() => Sql("DELETE FROM audit_log WHERE sequence = 2", dropTriggers: false));
        Assert.Contains("append-only", delete.Message, StringComparison.Ordinal);
        Assert.True((await _log.VerifyAsync()).IsValid);
    }

    [Theory]
    [InlineData("detail = 'forged'")]
    [InlineData("actor_id = 'someone-else'")]
    [InlineData("tenant_id = X'00112233445566778899AABBCCDDEEFF'")]
    [InlineData("outcome = 2")]
    [InlineData("after_json = NULL")]
    [InlineData("at_ticks = at_ticks + 1")]
    public async Task A_changed_field_is_reported_as_hash_mismatch_at_its_sequence(string assignment)
    {
        await AppendMany(5);
        Sql($"UPDATE audit_log SET {assignment} WHERE sequence = 3");
        AssertBroken(await _log.VerifyAsync(), 3, AuditChainFault.HashMismatch);
    }

    [Fact]
    public async Task A_deleted_entry_is_reported_as_missing_sequence()
    {
        await AppendMany(5);
        Sql("DELETE FROM audit_log WHERE sequence = 3");
        AssertBroken(await _log.VerifyAsync(), 3, AuditChainFault.MissingSequence);
    }

    [Fact]
    public async Task A_deleted_first_entry_is_reported_as_unexpected_first_entry()
    {
        await AppendMany(3);
        Sql("DELETE FROM audit_log WHERE sequence = 1");
        AssertBroken(await _log.VerifyAsync(), 2, AuditChainFault.UnexpectedFirstEntry);
    }

    [Fact]
    public async Task A_first_entry_not_linked_to_genesis_is_reported_even_with_a_matching_hash()
    {
        await AppendMany(2);
        AuditEntry first = (await _log.QueryAsync(TenantScope.AllTenants, new AuditQuery(Limit: 1))).Entries[0];
        byte[] fakePrev = Enumerable.Repeat((byte)7, 32).ToArray();
        byte[] rehash = AuditHash.Compute(1, first.At.UtcTicks, first.Record, fakePrev);
        Sql($"UPDATE audit_log SET prev_hash = X'{Convert.ToHexString(fakePrev)}', hash = X'{Convert.ToHexString(rehash)}' WHERE sequence = 1");
        AssertBroken(await _log.VerifyAsync(), 1, AuditChainFault.UnexpectedFirstEntry);
    }

    [Fact]
    public async Task Swapped_entries_are_reported_at_the_first_of_them()
    {
        await AppendMany(5);
        Sql("""
            UPDATE audit_log SET sequence = -2 WHERE sequence = 2;
            UPDATE audit_log SET sequence = 2 WHERE sequence = 3;
            UPDATE audit_log SET sequence = 3 WHERE sequence = -2;
            """);
        AssertBroken(await _log.VerifyAsync(), 2, AuditChainFault.HashMismatch);
    }

    [Fact]
    public async Task A_rewritten_entry_with_a_recomputed_hash_breaks_the_link_of_the_next()
    {
        await AppendMany(5);
        AuditEntry third = (await _log.QueryAsync(TenantScope.AllTenants, new AuditQuery(AfterSequence: 2, Limit: 1))).Entries[0];
        AuditRecord forged = third.Record with { Detail = "nothing happened" };
        byte[] rehash = AuditHash.Compute(3, third.At.UtcTicks, forged, third.PreviousHash);
        Sql($"UPDATE audit_log SET detail = 'nothing happened', hash = X'{Convert.ToHexString(rehash)}' WHERE sequence = 3");
        AssertBroken(await _log.VerifyAsync(), 4, AuditChainFault.PreviousHashMismatch);
    }

    [Fact]
    public async Task An_entry_relinked_to_a_wrong_predecessor_is_reported_as_previous_hash_mismatch()
    {
        await AppendMany(4);
        AuditEntry third = (await _log.QueryAsync(TenantScope.AllTenants, new AuditQuery(AfterSequence: 2, Limit: 1))).Entries[0];
        byte[] otherPrev = new byte[32];
        byte[] rehash = AuditHash.Compute(3, third.At.UtcTicks, third.Record, otherPrev);
        Sql($"UPDATE audit_log SET prev_hash = X'{Convert.ToHexString(otherPrev)}', hash = X'{Convert.ToHexString(rehash)}' WHERE sequence = 3");
        AssertBroken(await _log.VerifyAsync(), 3, AuditChainFault.PreviousHashMismatch);
    }

    [Fact]
    public async Task Parallel_appends_from_two_instances_keep_one_linear_chain()
    {
        using var other = new SqliteAuditLog(_temp.Database, _clock);
        AuditEntry[] entries = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? _log : other).AppendAsync(Record(detail: $"parallel {i}")))));

        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), entries.Select(e => e.Sequence).Order());
        AuditVerification v = await _log.VerifyAsync();
        Assert.True(v.IsValid, v.Reason);
        Assert.Equal(120, v.Count);
    }

    [Fact]
    public void The_encoding_separates_fields_and_null_from_empty()
    {
        AuditRecord a = Record() with { TargetType = "ab", TargetId = "c" };
        AuditRecord b = Record() with { TargetType = "a", TargetId = "bc" };
        AuditRecord nullDetail = Record() with { Detail = null };
        AuditRecord emptyDetail = Record() with { Detail = "" };
        byte[] prev = new byte[32];

        Assert.NotEqual(AuditHash.Compute(1, 0, a, prev), AuditHash.Compute(1, 0, b, prev));
        Assert.NotEqual(AuditHash.Compute(1, 0, nullDetail, prev), AuditHash.Compute(1, 0, emptyDetail, prev));
        Assert.NotEqual(AuditHash.Compute(1, 0, a, prev), AuditHash.Compute(2, 0, a, prev));
        Assert.Equal(AuditHash.Compute(1, 0, a, prev), AuditHash.Compute(1, 0, a with { }, prev));
    }

    [Theory]
    [InlineData("")]
    [InlineData("User.Create")]
    [InlineData("user..create")]
    [InlineData("user create")]
    public async Task A_malformed_action_is_refused_naming_the_field(string action)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await _log.AppendAsync(Record(action: action)));
        Assert.Equal("Action", ex.ParamName);
        Assert.Equal(0, (await _log.VerifyAsync()).Count);
    }

    private static void AssertBroken(AuditVerification v, long sequence, AuditChainFault fault)
    {
        Assert.False(v.IsValid);
        Assert.Equal(fault, v.Fault);
        Assert.Equal(sequence, v.BrokenAt);
        Assert.Equal(fault == AuditChainFault.UnexpectedFirstEntry ? 0 : sequence - 1, v.Count);
        Assert.False(string.IsNullOrEmpty(v.Reason));
    }
}
