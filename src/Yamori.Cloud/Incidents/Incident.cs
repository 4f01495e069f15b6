using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Incidents;

/// <summary>Where an incident stands (対応状況).</summary>
public enum IncidentStatus
{
    /// <summary>新規</summary>
    New = 1,

    /// <summary>調査中</summary>
    Investigating = 2,

    /// <summary>対応中</summary>
    Responding = 3,

    /// <summary>解決済み</summary>
    Resolved = 4,

    /// <summary>誤検知</summary>
    FalsePositive = 5,
}

/// <summary>
/// Related alerts of one tenant: same device or same user, close in time. Severity is the highest
/// level of its alerts.
/// </summary>
/// <param name="Devices">Devices involved, in the order they joined.</param>
/// <param name="Users">Users involved (as the events name them), in the order they joined.</param>
/// <param name="FirstActivity">Event time of the earliest alert's first event.</param>
/// <param name="LastActivity">Event time of the latest alert event; the correlation window counts from here.</param>
public sealed record Incident(
    Guid Id,
    TenantId Tenant,
    string Title,
    SigmaLevel Severity,
    IncidentStatus Status,
    string? Assignee,
    IReadOnlyList<string> Techniques,
    IReadOnlyList<DeviceId> Devices,
    IReadOnlyList<string> Users,
    DateTimeOffset FirstActivity,
    DateTimeOffset LastActivity,
    int AlertCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public bool IsOpen => IncidentWorkflow.IsOpen(Status);
}

/// <summary>A status change, kept for SLA reporting. <paramref name="From"/> is null for the creation.</summary>
public sealed record IncidentTransition(Guid IncidentId, string ActorId, IncidentStatus? From, IncidentStatus To, DateTimeOffset At, string? Note);

/// <summary>A change of assignee (null: unassigned).</summary>
public sealed record IncidentAssignment(Guid IncidentId, string ActorId, string? From, string? To, DateTimeOffset At, string? Note);

/// <summary>A comment on an incident.</summary>
public sealed record IncidentComment(Guid Id, Guid IncidentId, string AuthorId, string Text, DateTimeOffset At);

/// <summary>The incident before and after a change, for the audit log.</summary>
public sealed record IncidentChange(Incident Before, Incident After);

/// <summary>The allowed status transitions (an explicit table, so SLA reports can trust the history).</summary>
public static class IncidentWorkflow
{
    private static readonly Dictionary<IncidentStatus, IncidentStatus[]> Allowed = new()
    {
        [IncidentStatus.New] = [IncidentStatus.Investigating, IncidentStatus.Responding, IncidentStatus.Resolved, IncidentStatus.FalsePositive],
        [IncidentStatus.Investigating] = [IncidentStatus.Responding, IncidentStatus.Resolved, IncidentStatus.FalsePositive],
        [IncidentStatus.Responding] = [IncidentStatus.Investigating, IncidentStatus.Resolved, IncidentStatus.FalsePositive],

        // Reopening: new evidence, or a wrong closure.
        [IncidentStatus.Resolved] = [IncidentStatus.Investigating],
        [IncidentStatus.FalsePositive] = [IncidentStatus.Investigating],
    };

    public static bool IsOpen(IncidentStatus status) => status is not (IncidentStatus.Resolved or IncidentStatus.FalsePositive);

    public static bool CanMove(IncidentStatus from, IncidentStatus to) =>
        Allowed.TryGetValue(from, out IncidentStatus[]? targets) && Array.IndexOf(targets, to) >= 0;

    /// <summary>The statuses reachable from <paramref name="from"/>.</summary>
    public static IReadOnlyList<IncidentStatus> Targets(IncidentStatus from) =>
        Allowed.TryGetValue(from, out IncidentStatus[]? targets) ? targets : [];

    /// <summary>The wire and UI name (<c>new</c>, <c>investigating</c>, …) with the Japanese label.</summary>
    public static (string Wire, string Japanese) Label(IncidentStatus status) => status switch
    {
        IncidentStatus.New => ("new", "新規"),
        IncidentStatus.Investigating => ("investigating", "調査中"),
        IncidentStatus.Responding => ("responding", "対応中"),
        IncidentStatus.Resolved => ("resolved", "解決済み"),
        IncidentStatus.FalsePositive => ("false-positive", "誤検知"),
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown incident status"),
    };
}

/// <summary>A status change the workflow does not allow.</summary>
public sealed class InvalidIncidentTransitionException : InvalidOperationException
{
    public InvalidIncidentTransitionException(IncidentStatus from, IncidentStatus to)
        : base($"an incident cannot move from {IncidentWorkflow.Label(from).Wire} ({IncidentWorkflow.Label(from).Japanese}) to {IncidentWorkflow.Label(to).Wire} ({IncidentWorkflow.Label(to).Japanese}); allowed from {IncidentWorkflow.Label(from).Wire}: {string.Join(", ", IncidentWorkflow.Targets(from).Select(t => IncidentWorkflow.Label(t).Wire))}")
    {
        From = from;
        To = to;
    }

    public InvalidIncidentTransitionException()
    {
    }

    public InvalidIncidentTransitionException(string message)
        : base(message)
    {
    }

    public InvalidIncidentTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IncidentStatus From { get; }

    public IncidentStatus To { get; }
}

/// <summary>The actor may not perform this action (a read-only role, or a tenant outside its reach).</summary>
public sealed class DetectionAccessException : InvalidOperationException
{
    public DetectionAccessException()
    {
    }

    public DetectionAccessException(string message)
        : base(message)
    {
    }

    public DetectionAccessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
