using Yamori.Cloud.Detection;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Incidents;

/// <summary>
/// Incidents and their history, tenant-scoped. Writes need a single-tenant scope or the SOC's
/// scope naming the row's tenant; a row of a tenant outside the scope throws
/// <see cref="TenantScopeException"/>.
/// </summary>
public interface IIncidentStore
{
    /// <summary>
    /// Stores what one detection round produced for one tenant, in one transaction: alerts
    /// (inserted or updated), new incidents (with their creation transition) and updated
    /// incidents (detection fields only: title, severity, techniques, devices, users, activity and
    /// alert count; never status or assignee).
    /// </summary>
    ValueTask RecordDetectionAsync(TenantScope scope, IReadOnlyList<Alert> alerts, IReadOnlyList<Incident> created, IReadOnlyList<Incident> updated, CancellationToken cancellationToken = default);

    /// <summary>The most recently active open incident of the tenant that involves <paramref name="device"/> or <paramref name="userKey"/> and was active at or after <paramref name="activityAtLeast"/>.</summary>
    ValueTask<Incident?> FindCorrelatedAsync(TenantScope scope, TenantId tenant, DeviceId device, string? userKey, DateTimeOffset activityAtLeast, CancellationToken cancellationToken = default);

    ValueTask<Incident?> GetAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default);

    ValueTask<IncidentPage> ListAsync(TenantScope scope, IncidentQuery query, CancellationToken cancellationToken = default);

    /// <summary>Open incidents (not resolved, not false positive) counted per tenant and severity: the dashboard's figures without reading rows.</summary>
    ValueTask<IReadOnlyList<OpenIncidentCount>> CountOpenAsync(TenantScope scope, CancellationToken cancellationToken = default);

    /// <summary>Moves the status if it is still <see cref="IncidentTransition.From"/> (optimistic); false when it changed meanwhile or the incident does not exist.</summary>
    ValueTask<bool> ChangeStatusAsync(TenantScope scope, IncidentTransition transition, CancellationToken cancellationToken = default);

    /// <summary>Sets the assignee if it is still <see cref="IncidentAssignment.From"/>; false when it changed meanwhile or the incident does not exist.</summary>
    ValueTask<bool> AssignAsync(TenantScope scope, IncidentAssignment assignment, CancellationToken cancellationToken = default);

    /// <summary>Adds a comment; false when the incident does not exist.</summary>
    ValueTask<bool> AddCommentAsync(TenantScope scope, IncidentComment comment, CancellationToken cancellationToken = default);

    ValueTask<IncidentHistory> GetHistoryAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default);
}

/// <summary>How many open incidents of one severity a tenant has.</summary>
public sealed record OpenIncidentCount(TenantId Tenant, SigmaLevel Severity, int Count);

/// <summary>Transitions, assignee changes and comments of one incident, oldest first.</summary>
public sealed record IncidentHistory(
    IReadOnlyList<IncidentTransition> Transitions,
    IReadOnlyList<IncidentAssignment> Assignments,
    IReadOnlyList<IncidentComment> Comments)
{
    public static IncidentHistory Empty { get; } = new([], [], []);
}

/// <summary>How to order the incident list.</summary>
public enum IncidentSort
{
    /// <summary>Most recent activity first.</summary>
    LastActivity = 0,

    /// <summary>Highest severity first, then most recent activity.</summary>
    Severity = 1,
}

/// <summary>
/// Filters for the incident list; all optional. <paramref name="Cursor"/> is the
/// <see cref="IncidentPage.NextCursor"/> of the previous page (keyset pagination, stable under inserts).
/// </summary>
public sealed record IncidentQuery(
    IReadOnlyList<IncidentStatus>? Statuses = null,
    SigmaLevel? MinSeverity = null,
    TenantId? Tenant = null,
    string? Assignee = null,
    DeviceId? Device = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedTo = null,
    IncidentSort Sort = IncidentSort.LastActivity,
    int Limit = 50,
    string? Cursor = null);

/// <summary>One page of incidents; <paramref name="NextCursor"/> is null on the last page.</summary>
public sealed record IncidentPage(IReadOnlyList<Incident> Items, string? NextCursor);

/// <summary>Raw events by their store ids (the links alerts keep), tenant-scoped.</summary>
public interface IRawEventReader
{
    /// <summary>The events with these ids that the scope may see, ordered by time then id.</summary>
    ValueTask<IReadOnlyList<Events.StoredEvent>> GetEventsAsync(TenantScope scope, IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default);
}
