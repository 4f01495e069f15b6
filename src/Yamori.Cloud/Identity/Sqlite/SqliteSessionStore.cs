using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;

namespace Yamori.Cloud.Identity.Sqlite;

/// <summary><see cref="ISessionStore"/> on the embedded SQLite file.</summary>
public sealed class SqliteSessionStore(SqliteDatabase database) : ISessionStore
{
    public ValueTask CreateSessionAsync(SessionRecord session, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO sessions (token_sha256, user_id, created_ticks, last_seen_ticks, expires_ticks)
            VALUES ($hash, $user, $created, $seen, $expires)
            """;
        cmd.Parameters.AddWithValue("$hash", session.TokenHash);
        cmd.Parameters.AddWithValue("$user", session.User.ToBlob());
        cmd.Parameters.AddWithValue("$created", session.CreatedAt.UtcTicks);
        cmd.Parameters.AddWithValue("$seen", session.LastSeenAt.UtcTicks);
        cmd.Parameters.AddWithValue("$expires", session.ExpiresAt.UtcTicks);
        cmd.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<SessionRecord?> TouchSessionAsync(byte[] tokenHash, DateTimeOffset now, TimeSpan idleTimeout, bool slide = true, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();

        // max(): a request carrying an older clock reading never moves the last use backwards.
        cmd.CommandText = """
            UPDATE sessions SET last_seen_ticks = CASE WHEN $slide THEN max(last_seen_ticks, $now) ELSE last_seen_ticks END
            WHERE token_sha256 = $hash AND last_seen_ticks + $idle > $now AND expires_ticks > $now
            RETURNING user_id, created_ticks, last_seen_ticks, expires_ticks
            """;
        cmd.Parameters.AddWithValue("$hash", tokenHash);
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        cmd.Parameters.AddWithValue("$idle", idleTimeout.Ticks);
        cmd.Parameters.AddWithValue("$slide", slide);
        SessionRecord? session = null;
        using (SqliteDataReader r = cmd.ExecuteReader())
        {
            if (r.Read())
            {
                session = new SessionRecord(
                    tokenHash,
                    new UserId(r.GetGuid(0)),
                    new DateTimeOffset(r.GetInt64(1), TimeSpan.Zero),
                    new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero),
                    new DateTimeOffset(r.GetInt64(3), TimeSpan.Zero));
            }
        }

        if (session is null)
        {
            using SqliteCommand delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM sessions WHERE token_sha256 = $hash";
            delete.Parameters.AddWithValue("$hash", tokenHash);
            delete.ExecuteNonQuery();
        }

        return ValueTask.FromResult(session);
    }

    public ValueTask<bool> DeleteSessionAsync(byte[] tokenHash, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM sessions WHERE token_sha256 = $hash";
        cmd.Parameters.AddWithValue("$hash", tokenHash);
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask<int> DeleteSessionsOfUserAsync(UserId user, byte[]? keep = null, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM sessions WHERE user_id = $user AND token_sha256 IS NOT $keep";
        cmd.Parameters.AddWithValue("$user", user.ToBlob());
        cmd.Parameters.AddWithValue("$keep", (object?)keep ?? DBNull.Value);
        return ValueTask.FromResult(cmd.ExecuteNonQuery());
    }

    public ValueTask CreateTicketAsync(SignInTicket ticket, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO signin_tickets (ticket_sha256, user_id, purpose, pending_secret, expires_ticks)
            VALUES ($hash, $user, $purpose, $secret, $expires)
            """;
        cmd.Parameters.AddWithValue("$hash", ticket.TicketHash);
        cmd.Parameters.AddWithValue("$user", ticket.User.ToBlob());
        cmd.Parameters.AddWithValue("$purpose", (int)ticket.Purpose);
        cmd.Parameters.AddWithValue("$secret", (object?)ticket.PendingSecret ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$expires", ticket.ExpiresAt.UtcTicks);
        cmd.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<SignInTicket?> GetTicketAsync(byte[] ticketHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            SELECT user_id, purpose, pending_secret, expires_ticks FROM signin_tickets
            WHERE ticket_sha256 = $hash AND expires_ticks > $now
            """;
        cmd.Parameters.AddWithValue("$hash", ticketHash);
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        using SqliteDataReader r = cmd.ExecuteReader();
        SignInTicket? ticket = r.Read()
            ? new SignInTicket(
                ticketHash,
                new UserId(r.GetGuid(0)),
                (SignInTicketPurpose)r.GetInt32(1),
                r.IsDBNull(2) ? null : (byte[])r.GetValue(2),
                new DateTimeOffset(r.GetInt64(3), TimeSpan.Zero))
            : null;
        return ValueTask.FromResult(ticket);
    }

    public ValueTask<bool> ConsumeTicketAsync(byte[] ticketHash, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM signin_tickets WHERE ticket_sha256 = $hash";
        cmd.Parameters.AddWithValue("$hash", ticketHash);
        return ValueTask.FromResult(cmd.ExecuteNonQuery() == 1);
    }

    public ValueTask DeleteTicketsOfUserAsync(UserId user, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM signin_tickets WHERE user_id = $user";
        cmd.Parameters.AddWithValue("$user", user.ToBlob());
        cmd.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> PurgeExpiredAsync(DateTimeOffset now, TimeSpan idleTimeout, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            DELETE FROM sessions WHERE expires_ticks <= $now OR last_seen_ticks + $idle <= $now;
            DELETE FROM signin_tickets WHERE expires_ticks <= $now;
            """;
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        cmd.Parameters.AddWithValue("$idle", idleTimeout.Ticks);
        return ValueTask.FromResult(cmd.ExecuteNonQuery());
    }
}
