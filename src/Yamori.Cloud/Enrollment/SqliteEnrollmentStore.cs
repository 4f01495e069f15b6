using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Enrollment;

/// <summary>
/// <see cref="IEnrollmentTokenStore"/> and <see cref="IDeviceRevocationStore"/> on the embedded
/// SQLite file. Low volume: a connection per call. Tables: <c>Schema/V2Enrollment.cs</c>.
/// </summary>
public sealed class SqliteEnrollmentStore : IEnrollmentTokenStore, IDeviceRevocationStore
{
    private const string TokenColumns = "id, tenant_id, segment_id, created_ticks, expires_ticks, max_uses, uses_left, created_by";

    private readonly SqliteDatabase _database;

    public SqliteEnrollmentStore(SqliteDatabase database)
    {
        _database = database;
    }

    public ValueTask CreateAsync(TenantScope scope, EnrollmentToken token, byte[] secretHash, CancellationToken cancellationToken = default)
    {
        TenantId tenant = scope.ForWrite(token.Tenant);
        if (token.MaxUses < 1 || token.UsesLeft != token.MaxUses || token.ExpiresAt <= token.CreatedAt || secretHash.Length != 32)
        {
            throw new ArgumentException("a new token needs at least one use, all uses left, a future expiry and a SHA-256 hash", nameof(token));
        }

        using SqliteConnection connection = _database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();

        // The segment must be the tenant's: checked in the same statement, so no race with a segment move.
        cmd.CommandText = $"""
            INSERT INTO enrollment_tokens (secret_sha256, {TokenColumns})
            SELECT $hash, $id, $tenant, $segment, $created, $expires, $max, $max, $by
            WHERE EXISTS (SELECT 1 FROM segments WHERE id = $segment AND tenant_id = $tenant)
            """;
        cmd.Parameters.AddWithValue("$hash", secretHash);
        cmd.Parameters.AddWithValue("$id", token.Id.Value.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$segment", token.Segment.ToBlob());
        cmd.Parameters.AddWithValue("$created", token.CreatedAt.UtcTicks);
        cmd.Parameters.AddWithValue("$expires", token.ExpiresAt.UtcTicks);
        cmd.Parameters.AddWithValue("$max", token.MaxUses);
        cmd.Parameters.AddWithValue("$by", token.CreatedBy);
        if (cmd.ExecuteNonQuery() == 0)
        {
            throw new TenantScopeException($"segment {token.Segment} is not a segment of tenant {tenant}");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<EnrollmentToken>> ListAsync(TenantScope scope, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = _database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {TokenColumns} FROM enrollment_tokens
            WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} ORDER BY tenant_id, created_ticks
            """;
        var tokens = new List<EnrollmentToken>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            tokens.Add(ReadToken(r));
        }

        return ValueTask.FromResult<IReadOnlyList<EnrollmentToken>>(tokens);
    }

    public ValueTask<bool> DeleteAsync(TenantScope scope, EnrollmentTokenId id, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = _database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"DELETE FROM enrollment_tokens WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$id", id.Value.ToByteArray());
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask<TokenRedemption> RedeemAsync(byte[] secretHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = _database.OpenConnection();

        // BEGIN IMMEDIATE (the default here) takes the write lock before the read, so the check and
        // the decrement see the same row even with another process on the file.
        using WriteGate gate = _database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        using SqliteCommand select = connection.CreateCommand();
        select.Transaction = tx;
        select.CommandText = $"SELECT {TokenColumns} FROM enrollment_tokens WHERE secret_sha256 = $hash";
        select.Parameters.AddWithValue("$hash", secretHash);
        EnrollmentToken? token;
        using (SqliteDataReader r = select.ExecuteReader())
        {
            token = r.Read() ? ReadToken(r) : null;
        }

        if (token is null)
        {
            return ValueTask.FromResult(TokenRedemption.Refused(TokenRefusal.Unknown));
        }

        if (now >= token.ExpiresAt)
        {
            return ValueTask.FromResult(TokenRedemption.Refused(TokenRefusal.Expired, token));
        }

        if (token.UsesLeft <= 0)
        {
            return ValueTask.FromResult(TokenRedemption.Refused(TokenRefusal.Exhausted, token));
        }

        using SqliteCommand use = connection.CreateCommand();
        use.Transaction = tx;
        use.CommandText = "UPDATE enrollment_tokens SET uses_left = uses_left - 1 WHERE id = $id AND uses_left > 0";
        use.Parameters.AddWithValue("$id", token.Id.Value.ToByteArray());
        if (use.ExecuteNonQuery() != 1)
        {
            return ValueTask.FromResult(TokenRedemption.Refused(TokenRefusal.Exhausted, token));
        }

        tx.Commit();
        return ValueTask.FromResult(TokenRedemption.Granted(token with { UsesLeft = token.UsesLeft - 1 }));
    }

    public ValueTask<bool> RevokeAsync(TenantScope scope, DeviceId device, DateTimeOffset at, string reason, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = _database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();

        // Only a device visible in the scope can be revoked; a second revocation keeps the first time.
        cmd.CommandText = $"""
            INSERT INTO device_revocations (device_id, tenant_id, revoked_ticks, reason)
            SELECT id, tenant_id, $at, $reason FROM devices WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}
            ON CONFLICT (device_id) DO NOTHING
            """;
        cmd.Parameters.AddWithValue("$id", device.ToBlob());
        cmd.Parameters.AddWithValue("$at", at.UtcTicks);
        cmd.Parameters.AddWithValue("$reason", reason);
        cmd.ExecuteNonQuery();
        return IsVisibleRevoked(connection, scope, device);
    }

    public ValueTask<bool> IsRevokedAsync(DeviceId device, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = _database.OpenConnection();
        return IsVisibleRevoked(connection, TenantScope.AllTenants, device);
    }

    private static ValueTask<bool> IsVisibleRevoked(SqliteConnection connection, TenantScope scope, DeviceId device)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT 1 FROM device_revocations WHERE device_id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
        cmd.Parameters.AddWithValue("$id", device.ToBlob());
        return ValueTask.FromResult(cmd.ExecuteScalar() is not null);
    }

    private static EnrollmentToken ReadToken(SqliteDataReader r) => new(
        new EnrollmentTokenId(r.GetGuid(0)),
        new TenantId(r.GetGuid(1)),
        new SegmentId(r.GetGuid(2)),
        new DateTimeOffset(r.GetInt64(3), TimeSpan.Zero),
        new DateTimeOffset(r.GetInt64(4), TimeSpan.Zero),
        r.GetInt32(5),
        r.GetInt32(6),
        r.GetString(7));
}
