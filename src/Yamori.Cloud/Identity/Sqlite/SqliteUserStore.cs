using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Identity.Sqlite;

/// <summary><see cref="IUserStore"/> on the embedded SQLite file. Low volume: a connection per call.</summary>
public sealed class SqliteUserStore(SqliteDatabase database) : IUserStore
{
    private const string Columns =
        "id, login, login_key, display_name, role, tenant_id, password_hash, totp_secret, totp_confirmed, totp_last_step, " +
        "failed_count, locked_until_ticks, disabled, must_change_password, created_ticks, updated_ticks";

    private const int ConstraintUnique = 2067;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintForeignKey = 787;

    public ValueTask CreateAsync(TenantScope scope, User user, CancellationToken cancellationToken = default)
    {
        RequireWritable(scope, user.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        Insert(connection, null, user, onlyIfEmpty: false);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> CreateFirstAsync(User user, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction(deferred: false);
        bool created = Insert(connection, tx, user, onlyIfEmpty: true);
        tx.Commit();
        return ValueTask.FromResult(created);
    }

    public ValueTask<User?> GetAsync(TenantScope scope, UserId id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Query(scope, "id = $id", c => c.Parameters.AddWithValue("$id", id.ToBlob())).FirstOrDefault());

    public ValueTask<IReadOnlyList<User>> ListAsync(TenantScope scope, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<User>>(Query(scope, "1 = 1", _ => { }));

    public ValueTask<bool> UpdateAsync(TenantScope scope, User user, DateTimeOffset? expectedUpdatedAt = null, CancellationToken cancellationToken = default)
    {
        RequireWritable(scope, user.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            UPDATE users SET display_name = $display, role = $role, tenant_id = $tenant, password_hash = $hash,
                totp_secret = $totp, totp_confirmed = $confirmed, disabled = $disabled,
                must_change_password = $must_change, updated_ticks = $updated
            WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")} AND ($expected IS NULL OR updated_ticks = $expected)
            """;
        cmd.Parameters.AddWithValue("$expected", expectedUpdatedAt is { } e ? e.UtcTicks : DBNull.Value);
        cmd.Parameters.AddWithValue("$id", user.Id.ToBlob());
        cmd.Parameters.AddWithValue("$display", user.DisplayName);
        cmd.Parameters.AddWithValue("$role", (int)user.Role);
        cmd.Parameters.AddWithValue("$tenant", user.Tenant is { } t ? t.ToBlob() : DBNull.Value);
        cmd.Parameters.AddWithValue("$hash", user.PasswordHash);
        cmd.Parameters.AddWithValue("$totp", (object?)user.TotpSecret ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$confirmed", user.TotpConfirmed);
        cmd.Parameters.AddWithValue("$disabled", user.Disabled);
        cmd.Parameters.AddWithValue("$must_change", user.MustChangePassword);
        cmd.Parameters.AddWithValue("$updated", user.UpdatedAt.UtcTicks);
        return ValueTask.FromResult(Execute(cmd) == 1);
    }

    public ValueTask<bool> ClearLockoutAsync(TenantScope scope, UserId id, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            UPDATE users SET failed_count = 0, locked_until_ticks = NULL
            WHERE id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}
            """;
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask<User?> FindByLoginAsync(string loginKey, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Query(TenantScope.AllTenants, "login_key = $login", c => c.Parameters.AddWithValue("$login", loginKey)).FirstOrDefault());

    public ValueTask<User?> FindByIdAsync(UserId id, CancellationToken cancellationToken = default) =>
        GetAsync(TenantScope.AllTenants, id, cancellationToken);

    public ValueTask<DateTimeOffset?> RecordFailureAsync(UserId id, int threshold, DateTimeOffset lockedUntil, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();

        // One statement, so parallel wrong guesses cannot lose a count and slip past the threshold.
        // The count restarts at 0 only when this very failure set the lock, which is what it returns.
        cmd.CommandText = """
            UPDATE users SET
                locked_until_ticks = CASE WHEN failed_count + 1 >= $threshold THEN $until ELSE locked_until_ticks END,
                failed_count = CASE WHEN failed_count + 1 >= $threshold THEN 0 ELSE failed_count + 1 END
            WHERE id = $id
            RETURNING failed_count = 0
            """;
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        cmd.Parameters.AddWithValue("$threshold", threshold);
        cmd.Parameters.AddWithValue("$until", lockedUntil.UtcTicks);
        object? locked = cmd.ExecuteScalar();
        return ValueTask.FromResult<DateTimeOffset?>(locked is long and 1 ? lockedUntil : null);
    }

    public ValueTask RecordSuccessAsync(UserId id, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "UPDATE users SET failed_count = 0, locked_until_ticks = NULL WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        cmd.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> TryUseTotpStepAsync(UserId id, long step, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "UPDATE users SET totp_last_step = $step WHERE id = $id AND (totp_last_step IS NULL OR totp_last_step < $step)";
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        cmd.Parameters.AddWithValue("$step", step);
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask<bool> ConfirmTotpAsync(UserId id, byte[] protectedSecret, long step, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();

        // A new secret starts its own replay history; "totp_confirmed = 0" lets one of two racing confirmations win.
        cmd.CommandText = """
            UPDATE users SET totp_secret = $secret, totp_confirmed = 1, totp_last_step = $step, updated_ticks = $now
            WHERE id = $id AND totp_confirmed = 0
            """;
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        cmd.Parameters.AddWithValue("$secret", protectedSecret);
        cmd.Parameters.AddWithValue("$step", step);
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask SetPasswordHashAsync(UserId id, string passwordHash, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "UPDATE users SET password_hash = $hash WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id.ToBlob());
        cmd.Parameters.AddWithValue("$hash", passwordHash);
        cmd.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    private static void RequireWritable(TenantScope scope, TenantId? tenant)
    {
        if (tenant is { } t)
        {
            scope.ForWrite(t);
        }
        else if (!scope.IsAllTenants)
        {
            throw new TenantScopeException("a town scope cannot write a SOC account (no tenant)");
        }
    }

    private static bool Insert(SqliteConnection connection, SqliteTransaction? tx, User user, bool onlyIfEmpty)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        string values = "$id, $login, $login_key, $display, $role, $tenant, $hash, $totp, $confirmed, $step, 0, NULL, $disabled, $must_change, $created, $updated";
        cmd.CommandText = onlyIfEmpty
            ? $"INSERT INTO users ({Columns}) SELECT {values} WHERE NOT EXISTS (SELECT 1 FROM users)"
            : $"INSERT INTO users ({Columns}) VALUES ({values})";
        cmd.Parameters.AddWithValue("$id", user.Id.ToBlob());
        cmd.Parameters.AddWithValue("$login", user.Login);
        cmd.Parameters.AddWithValue("$login_key", user.LoginKey);
        cmd.Parameters.AddWithValue("$display", user.DisplayName);
        cmd.Parameters.AddWithValue("$role", (int)user.Role);
        cmd.Parameters.AddWithValue("$tenant", user.Tenant is { } t ? t.ToBlob() : DBNull.Value);
        cmd.Parameters.AddWithValue("$hash", user.PasswordHash);
        cmd.Parameters.AddWithValue("$totp", (object?)user.TotpSecret ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$confirmed", user.TotpConfirmed);
        cmd.Parameters.AddWithValue("$step", user.TotpLastStep is { } s ? s : DBNull.Value);
        cmd.Parameters.AddWithValue("$disabled", user.Disabled);
        cmd.Parameters.AddWithValue("$must_change", user.MustChangePassword);
        cmd.Parameters.AddWithValue("$created", user.CreatedAt.UtcTicks);
        cmd.Parameters.AddWithValue("$updated", user.UpdatedAt.UtcTicks);
        return Execute(cmd) == 1;
    }

    private static int Execute(SqliteCommand cmd)
    {
        try
        {
            return cmd.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode is ConstraintUnique or ConstraintPrimaryKey)
        {
            throw new LoginTakenException("that login name is already taken", ex);
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == ConstraintForeignKey)
        {
            throw new ArgumentException("tenant does not exist", "tenant", ex);
        }
    }

    private List<User> Query(TenantScope scope, string condition, Action<SqliteCommand> bind)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM users WHERE {TenantFilter.Predicate(cmd, scope, "tenant_id")} AND {condition} ORDER BY login_key";
        bind(cmd);
        var users = new List<User>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            users.Add(new User(
                new UserId(r.GetGuid(0)),
                r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                (Role)r.GetInt32(4),
                r.IsDBNull(5) ? null : new TenantId(r.GetGuid(5)),
                r.GetString(6),
                r.IsDBNull(7) ? null : (byte[])r.GetValue(7),
                r.GetBoolean(8),
                r.IsDBNull(9) ? null : r.GetInt64(9),
                r.GetInt32(10),
                r.IsDBNull(11) ? null : new DateTimeOffset(r.GetInt64(11), TimeSpan.Zero),
                r.GetBoolean(12),
                r.GetBoolean(13),
                new DateTimeOffset(r.GetInt64(14), TimeSpan.Zero),
                new DateTimeOffset(r.GetInt64(15), TimeSpan.Zero)));
        }

        return users;
    }
}
