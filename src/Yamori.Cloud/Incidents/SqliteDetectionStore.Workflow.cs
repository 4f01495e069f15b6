using Microsoft.Data.Sqlite;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Detection;

/// <summary>The workflow half of the store: status, assignee and comments, each kept in the incident's history.</summary>
public sealed partial class SqliteDetectionStore
{
    public ValueTask<bool> ChangeStatusAsync(TenantScope scope, IncidentTransition transition, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        if (RequireWritable(connection, tx, scope, transition.IncidentId) is not { } tenant)
        {
            return ValueTask.FromResult(false);
        }

        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE incidents SET status = $to, updated_ticks = $at WHERE id = $id AND status = $from";
        cmd.Parameters.AddWithValue("$id", transition.IncidentId.ToByteArray());
        cmd.Parameters.AddWithValue("$to", (int)transition.To);
        cmd.Parameters.AddWithValue("$from", transition.From is { } f ? (int)f : -1);
        cmd.Parameters.AddWithValue("$at", transition.At.UtcTicks);
        if (cmd.ExecuteNonQuery() == 0)
        {
            return ValueTask.FromResult(false);
        }

        InsertActivity(connection, tx, tenant, transition.IncidentId, KindTransition, transition.ActorId, StatusText(transition.From), StatusText(transition.To), transition.Note, null, transition.At);
        tx.Commit();
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> AssignAsync(TenantScope scope, IncidentAssignment assignment, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        if (RequireWritable(connection, tx, scope, assignment.IncidentId) is not { } tenant)
        {
            return ValueTask.FromResult(false);
        }

        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE incidents SET assignee = $to, updated_ticks = $at WHERE id = $id AND assignee IS $from";
        cmd.Parameters.AddWithValue("$id", assignment.IncidentId.ToByteArray());
        cmd.Parameters.AddWithValue("$to", (object?)assignment.To ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$from", (object?)assignment.From ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$at", assignment.At.UtcTicks);
        if (cmd.ExecuteNonQuery() == 0)
        {
            return ValueTask.FromResult(false);
        }

        InsertActivity(connection, tx, tenant, assignment.IncidentId, KindAssignment, assignment.ActorId, assignment.From, assignment.To, assignment.Note, null, assignment.At);
        tx.Commit();
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> AddCommentAsync(TenantScope scope, IncidentComment comment, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        if (RequireWritable(connection, tx, scope, comment.IncidentId) is not { } tenant)
        {
            return ValueTask.FromResult(false);
        }

        InsertActivity(connection, tx, tenant, comment.IncidentId, KindComment, comment.AuthorId, null, null, comment.Text, comment.Id, comment.At);
        tx.Commit();
        return ValueTask.FromResult(true);
    }

    public ValueTask<IncidentHistory> GetHistoryAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT kind, actor_id, from_value, to_value, text, comment_id, at_ticks FROM incident_activity
            WHERE incident_id = $id AND {TenantFilter.Predicate(cmd, scope, "tenant_id")} ORDER BY id
            """;
        cmd.Parameters.AddWithValue("$id", id.ToByteArray());
        var transitions = new List<IncidentTransition>();
        var assignments = new List<IncidentAssignment>();
        var comments = new List<IncidentComment>();
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            string actor = r.GetString(1);
            string? from = r.IsDBNull(2) ? null : r.GetString(2);
            string? to = r.IsDBNull(3) ? null : r.GetString(3);
            string? text = r.IsDBNull(4) ? null : r.GetString(4);
            DateTimeOffset at = Ticks(r.GetInt64(6));
            switch (r.GetInt32(0))
            {
                case KindTransition:
                    transitions.Add(new IncidentTransition(id, actor, ParseStatus(from), ParseStatus(to) ?? IncidentStatus.New, at, text));
                    break;
                case KindAssignment:
                    assignments.Add(new IncidentAssignment(id, actor, from, to, at, text));
                    break;
                case KindComment:
                    comments.Add(new IncidentComment(r.GetGuid(5), id, actor, text ?? "", at));
                    break;
            }
        }

        return ValueTask.FromResult(new IncidentHistory(transitions, assignments, comments));
    }

    /// <summary>The incident's tenant when it exists and the scope may write it; null when it does not exist.</summary>
    private static TenantId? RequireWritable(SqliteConnection connection, SqliteTransaction tx, TenantScope scope, Guid incident)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT tenant_id FROM incidents WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", incident.ToByteArray());
        if (cmd.ExecuteScalar() is not byte[] blob)
        {
            return null;
        }

        return scope.ForWrite(new TenantId(new Guid(blob)));
    }

    private static void InsertActivity(SqliteConnection connection, SqliteTransaction tx, TenantId tenant, Guid incident, int kind, string actor, string? from, string? to, string? text, Guid? commentId, DateTimeOffset at)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO incident_activity (incident_id, tenant_id, kind, actor_id, from_value, to_value, text, comment_id, at_ticks)
            VALUES ($incident, $tenant, $kind, $actor, $from, $to, $text, $comment, $at)
            """;
        cmd.Parameters.AddWithValue("$incident", incident.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
        cmd.Parameters.AddWithValue("$kind", kind);
        cmd.Parameters.AddWithValue("$actor", actor);
        cmd.Parameters.AddWithValue("$from", (object?)from ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$to", (object?)to ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$text", (object?)text ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$comment", commentId is { } c ? c.ToByteArray() : DBNull.Value);
        cmd.Parameters.AddWithValue("$at", at.UtcTicks);
        cmd.ExecuteNonQuery();
    }

    private static string? StatusText(IncidentStatus? status) => status is { } s ? IncidentWorkflow.Label(s).Wire : null;

    private static IncidentStatus? ParseStatus(string? text)
    {
        foreach (IncidentStatus s in Enum.GetValues<IncidentStatus>())
        {
            if (IncidentWorkflow.Label(s).Wire == text)
            {
                return s;
            }
        }

        return null;
    }
}
