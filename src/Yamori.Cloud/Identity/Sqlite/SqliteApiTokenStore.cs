using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Identity.Sqlite;

/// <summary><see cref="IApiTokenStore"/> on the embedded SQLite file.</summary>
public sealed class SqliteApiTokenStore(SqliteDatabase database) : IApiTokenStore
{
    private const string Columns = "id, name, role, tenant_id, created_by, created_ticks, expires_ticks, last_used_ticks, revoked_ticks";

    public ValueTask CreateAsync(TenantScope scope, ApiToken token, byte[] secretHash, CancellationToken cancellationToken = default)
    {
        if (token.Tenant is { } t)
        {
            scope.ForWrite(t);
        }
        else if (!scope.IsAllTenants)
        {
            throw new TenantScopeException("a town scope cannot create a SOC-role token (no tenant)");
        }

        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            INSERT INTO api_tokens ({Columns}, token_sha256)
            VALUES ($id, $name, $role, $tenant, $created_by, $created, $expires, NULL, NULL, $hash)
            """;
        cmd.Parameters.AddWithValue("$id", token.Id.ToBlob());
        cmd.Parameters.AddWithValue("$name", token.Name);
        cmd.Parameters.AddWithValue("$role", (int)token.Role);
        cmd.Parameters.AddWithValue("$tenant", token.Tenant is { } tenant ? tenant.ToBlob() : DBNull.Value);
        cmd.Parameters.AddWithValue("$created_by", token.CreatedBy);
        cmd.Parameters.AddWithValue("$created", token.CreatedAt.UtcTicks);
        cmd.Parameters.AddWithValue("$expires", token.ExpiresAt is { } e ? e.UtcTicks : DBNull.Value);
        cmd.Parameters.AddWithValue("$hash", secretHash);
        try
        {
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == 787)
        {
            throw new ArgumentException("tenant does not exist", "tenant", ex);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<ApiToken?> GetAsync(TenantScope scope, ApiTokenId id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Query(scope, "id = $id", c => c.Parameters.AddWithValue("$id", id.ToBlob())).FirstOrDefault());

    public ValueTask<IReadOnlyList<ApiToken>> ListAsync(TenantScope scope, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<ApiToken>>(Query(scope, "1 = 1", _ => { }));

    public ValueTask<bool> RevokeAsync(TenantScope scope, ApiTokenId id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            UPDATE api_tokens SET revoked_ticks = coalesce(revoked_ticks, $now)
            WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}
            """;
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask<ApiToken?> UseAsync(byte[] secretHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            UPDATE api_tokens SET last_used_ticks = max(coalesce(last_used_ticks, 0), $now)
            WHERE token_sha256 = $hash AND revoked_ticks IS NULL AND (expires_ticks IS NULL OR expires_ticks > $now)
            RETURNING {Columns}
            """;
        cmd.Parameters.AddWithValue("$hash", secretHash);
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        using SqliteDataReader r = cmd.ExecuteReader();
        return ValueTask.FromResult(r.Read() ? Read(r) : null);
    }

    private List<ApiToken> Query(TenantScope scope, string condition, Action<SqliteCommand> bind)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM api_tokens WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} AND {condition} ORDER BY created_ticks, id";
        bind(cmd);
        var tokens = new List<ApiToken>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            tokens.Add(Read(r));
        }

        return tokens;
    }

    private static ApiToken Read(SqliteDataReader r) => new(
        new ApiTokenId(r.GetGuid(0)),
        r.GetString(1),
        (Role)r.GetInt32(2),
        r.IsDBNull(3) ? null : new TenantId(r.GetGuid(3)),
        r.GetString(4),
        new DateTimeOffset(r.GetInt64(5), TimeSpan.Zero),
        Ticks(r, 6),
        Ticks(r, 7),
        Ticks(r, 8));

    private static DateTimeOffset? Ticks(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : new DateTimeOffset(r.GetInt64(ordinal), TimeSpan.Zero);
}
