using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.SocConsole.Views;

/// <summary>
/// The queue's filters as the analyst set them. Age is kept as a span ("last 24 hours") rather than
/// a date, so a page left open keeps meaning the same thing.
/// </summary>
public sealed record IncidentFilter(
    IReadOnlyList<IncidentStatus> Statuses,
    SigmaLevel? MinSeverity = null,
    TenantId? Town = null,
    string? Assignee = null,
    TimeSpan? MaxAge = null,
    IncidentSort Sort = IncidentSort.LastActivity)
{
    /// <summary>What the queue shows first: everything not yet closed, latest activity first.</summary>
    public static IncidentFilter Open { get; } = new([IncidentStatus.New, IncidentStatus.Investigating, IncidentStatus.Responding]);

    /// <summary>The store query for one page. An empty status list means every status.</summary>
    public IncidentQuery ToQuery(DateTimeOffset now, int limit, string? cursor) => new(
        Statuses.Count > 0 ? Statuses : null,
        MinSeverity,
        Town,
        string.IsNullOrWhiteSpace(Assignee) ? null : Assignee.Trim(),
        CreatedFrom: MaxAge is { } age ? now - age : null,
        Sort: Sort,
        Limit: limit,
        Cursor: cursor);
}
