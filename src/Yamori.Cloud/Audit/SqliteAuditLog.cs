using Microsoft.Data.Sqlite;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Audit;

/// <summary>
/// <see cref="IAuditLog"/> on the embedded SQLite file. Appends are serialized twice over: a lock
/// within the process, and an immediate (write-locking) transaction that reads the head and inserts
/// the next entry, so the chain stays linear even with several processes on the file.
/// </summary>
public sealed class SqliteAuditLog(SqliteDatabase database, TimeProvider clock) : IAuditLog, IDisposable
{
    private const string Columns =
        "sequence, at_ticks, actor_id, actor_name, actor_kind, actor_role, tenant_id, action, target_type, target_id, " +
        "outcome, remote_address, before_json, after_json, detail, prev_hash, hash";

    private readonly SemaphoreSlim _appendLock = new(1, 1);

    public async ValueTask<AuditEntry> AppendAsync(AuditRecord draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        draft.Validate();
        await _appendLock.WaitAsync(cancellationToken);
        try
        {
            using SqliteConnection connection = database.OpenConnection();
            using WriteGate gate = database.EnterWrite();
            using SqliteTransaction tx = connection.BeginTransaction(deferred: false);
            long previousSequence = 0;
            byte[] previousHash = AuditHash.Genesis;
            using (SqliteCommand head = connection.CreateCommand())
            {
                head.Transaction = tx;
                head.CommandText = "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1";
                using SqliteDataReader r = head.ExecuteReader();
                if (r.Read())
                {
                    previousSequence = r.GetInt64(0);
                    previousHash = (byte[])r.GetValue(1);
                }
            }

            // The clock is read inside the lock, so times never go backwards along the chain
            // unless the clock itself does.
            DateTimeOffset at = clock.GetUtcNow();
            long sequence = previousSequence + 1;
            byte[] hash = AuditHash.Compute(sequence, at.UtcTicks, draft, previousHash);
            using (SqliteCommand insert = connection.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = $"""
                    INSERT INTO audit_log ({Columns}) VALUES ($seq, $at, $actor_id, $actor_name, $actor_kind, $actor_role, $tenant,
                        $action, $target_type, $target_id, $outcome, $remote, $before, $after, $detail, $prev, $hash)
                    """;
                insert.Parameters.AddWithValue("$seq", sequence);
                insert.Parameters.AddWithValue("$at", at.UtcTicks);
                insert.Parameters.AddWithValue("$actor_id", draft.ActorId);
                insert.Parameters.AddWithValue("$actor_name", draft.ActorName);
                insert.Parameters.AddWithValue("$actor_kind", (int)draft.ActorKind);
                insert.Parameters.AddWithValue("$actor_role", draft.ActorRole is { } role ? (int)role : DBNull.Value);
                insert.Parameters.AddWithValue("$tenant", draft.Tenant is { } tenant ? tenant.ToBlob() : DBNull.Value);
                insert.Parameters.AddWithValue("$action", draft.Action);
                insert.Parameters.AddWithValue("$target_type", (object?)draft.TargetType ?? DBNull.Value);
                insert.Parameters.AddWithValue("$target_id", (object?)draft.TargetId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$outcome", (int)draft.Outcome);
                insert.Parameters.AddWithValue("$remote", (object?)draft.RemoteAddress ?? DBNull.Value);
                insert.Parameters.AddWithValue("$before", (object?)draft.Before ?? DBNull.Value);
                insert.Parameters.AddWithValue("$after", (object?)draft.After ?? DBNull.Value);
                insert.Parameters.AddWithValue("$detail", (object?)draft.Detail ?? DBNull.Value);
                insert.Parameters.AddWithValue("$prev", previousHash);
                insert.Parameters.AddWithValue("$hash", hash);
                insert.ExecuteNonQuery();
            }

            tx.Commit();
            return new AuditEntry(sequence, at, draft, previousHash, hash);
        }
        finally
        {
            _appendLock.Release();
        }
    }

    public ValueTask<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();

        // One read transaction: a consistent snapshot while appends continue (WAL).
        using SqliteTransaction tx = connection.BeginTransaction(deferred: true);
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"SELECT {Columns} FROM audit_log ORDER BY sequence";
        using SqliteDataReader r = cmd.ExecuteReader();
        long expected = 1;
        byte[] previousHash = AuditHash.Genesis;
        while (r.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            AuditEntry entry = ReadEntry(r);
            if (expected == 1 && (entry.Sequence != 1 || !entry.PreviousHash.AsSpan().SequenceEqual(AuditHash.Genesis)))
            {
                return ValueTask.FromResult(AuditVerification.Broken(
                    expected - 1,
                    entry.Sequence,
                    AuditChainFault.UnexpectedFirstEntry,
                    entry.Sequence != 1
                        ? $"the first entry has sequence {entry.Sequence}, expected 1"
                        : "the first entry's previous hash is not the genesis value (32 zero bytes)"));
            }

            if (entry.Sequence != expected)
            {
                return ValueTask.FromResult(AuditVerification.Broken(
                    expected - 1, expected, AuditChainFault.MissingSequence, $"sequence {expected} is missing (next present is {entry.Sequence})"));
            }

            byte[] computed = AuditHash.Compute(entry.Sequence, entry.At.UtcTicks, entry.Record, entry.PreviousHash);
            if (!computed.AsSpan().SequenceEqual(entry.Hash))
            {
                return ValueTask.FromResult(AuditVerification.Broken(
                    expected - 1,
                    entry.Sequence, AuditChainFault.HashMismatch, $"entry {entry.Sequence} does not match its stored hash: its content was changed"));
            }

            if (!entry.PreviousHash.AsSpan().SequenceEqual(previousHash))
            {
                return ValueTask.FromResult(AuditVerification.Broken(
                    expected - 1,
                    entry.Sequence,
                    AuditChainFault.PreviousHashMismatch,
                    $"entry {entry.Sequence} does not link to entry {entry.Sequence - 1}: entries were replaced or reordered"));
            }

            previousHash = entry.Hash;
            expected++;
        }

        return ValueTask.FromResult(AuditVerification.Valid(expected - 1, Convert.ToHexStringLower(previousHash)));
    }

    public ValueTask<AuditPage> QueryAsync(TenantScope scope, AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > AuditQuery.MaxLimit)
        {
            throw new ArgumentException($"limit must be between 1 and {AuditQuery.MaxLimit}, not {query.Limit}", nameof(query));
        }

        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        List<string> where = Filters(cmd, scope, query);
        if (query.NewestFirst)
        {
            if (query.BeforeSequence is { } before)
            {
                where.Add("sequence < $before");
                cmd.Parameters.AddWithValue("$before", before);
            }
        }
        else
        {
            where.Add("sequence > $after");
            cmd.Parameters.AddWithValue("$after", query.AfterSequence);
        }

        cmd.CommandText = $"SELECT {Columns} FROM audit_log WHERE {string.Join(" AND ", where)} ORDER BY sequence {(query.NewestFirst ? "DESC" : "ASC")} LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", query.Limit + 1);
        var entries = new List<AuditEntry>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            entries.Add(ReadEntry(r));
        }

        long? next = null;
        if (entries.Count > query.Limit)
        {
            entries.RemoveAt(entries.Count - 1);
            next = entries[^1].Sequence;
        }

        return ValueTask.FromResult(new AuditPage(entries, next));
    }

    public ValueTask<long> CountAsync(TenantScope scope, AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        List<string> where = Filters(cmd, scope, query);
        cmd.CommandText = $"SELECT COUNT(*) FROM audit_log WHERE {string.Join(" AND ", where)}";
        return ValueTask.FromResult((long)cmd.ExecuteScalar()!);
    }

    /// <summary>The query's filters as SQL, scope first: the one place an audit read is scoped.</summary>
    private static List<string> Filters(SqliteCommand cmd, TenantScope scope, AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var where = new List<string> { TenantFilter.Predicate(cmd, scope, "tenant_id") };
        if (query.From is { } from)
        {
            where.Add("at_ticks >= $from");
            cmd.Parameters.AddWithValue("$from", from.UtcTicks);
        }

        if (query.To is { } to)
        {
            where.Add("at_ticks < $to");
            cmd.Parameters.AddWithValue("$to", to.UtcTicks);
        }

        if (query.ActorId is { } actor)
        {
            where.Add("actor_id = $actor");
            cmd.Parameters.AddWithValue("$actor", actor);
        }

        if (query.ActorText is { Length: > 0 } text)
        {
            where.Add("(actor_id = $actorText OR instr(lower(actor_name), lower($actorText)) > 0)");
            cmd.Parameters.AddWithValue("$actorText", text);
        }

        if (query.Outcome is { } outcome)
        {
            where.Add("outcome = $outcome");
            cmd.Parameters.AddWithValue("$outcome", (int)outcome);
        }

        if (query.ActionPrefix is { } prefix)
        {
            where.Add("(action = $prefix OR substr(action, 1, length($prefix) + 1) = $prefix || '.')");
            cmd.Parameters.AddWithValue("$prefix", prefix);
        }

        if (query.Tenant is { } tenant)
        {
            where.Add("tenant_id = $tenant");
            cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        }

        return where;
    }

    public void Dispose() => _appendLock.Dispose();

    private static AuditEntry ReadEntry(SqliteDataReader r)
    {
        var record = new AuditRecord(
            r.GetString(2),
            r.GetString(3),
            (ActorKind)r.GetInt32(4),
            r.IsDBNull(5) ? null : (Role)r.GetInt32(5),
            r.IsDBNull(6) ? null : new TenantId(r.GetGuid(6)),
            r.GetString(7),
            NullableText(r, 8),
            NullableText(r, 9),
            (AuditOutcome)r.GetInt32(10),
            NullableText(r, 11),
            NullableText(r, 12),
            NullableText(r, 13),
            NullableText(r, 14));
        return new AuditEntry(r.GetInt64(0), new DateTimeOffset(r.GetInt64(1), TimeSpan.Zero), record, (byte[])r.GetValue(15), (byte[])r.GetValue(16));
    }

    private static string? NullableText(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
