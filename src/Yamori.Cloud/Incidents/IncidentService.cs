using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Incidents;

/// <summary>An incident with everything the incident view shows.</summary>
public sealed record IncidentDetail(Incident Incident, IReadOnlyList<Alert> Alerts, IncidentHistory History);

/// <summary>What a timeline entry is.</summary>
public enum TimelineEntryKind
{
    /// <summary>An alert, at its first seen event.</summary>
    Alert = 1,

    /// <summary>A raw event an alert links to.</summary>
    Event = 2,
}

/// <summary>One line of an incident's timeline; <paramref name="AlertIds"/> are the alerts the entry belongs to.</summary>
public sealed record TimelineEntry(DateTimeOffset Time, TimelineEntryKind Kind, Alert? Alert, StoredEvent? Event, IReadOnlyList<Guid> AlertIds);

/// <summary>
/// The incident workflow and the incident views, for people and tokens (<see cref="Actor"/>).
/// Reads outside the actor's scope return null or empty, as for a missing incident (the API answers
/// 404 either way); town viewers may read but not change anything.
/// </summary>
public sealed class IncidentService
{
    private const int MaxCommentLength = 10_000;
    private const int MaxAssigneeLength = 200;

    private readonly IIncidentStore _incidents;
    private readonly IAlertStore _alerts;
    private readonly IRawEventReader _rawEvents;
    private readonly IEventStore _events;
    private readonly TimeProvider _time;

    public IncidentService(IIncidentStore incidents, IAlertStore alerts, IRawEventReader rawEvents, IEventStore events, TimeProvider? time = null)
    {
        _incidents = incidents;
        _alerts = alerts;
        _rawEvents = rawEvents;
        _events = events;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How far before the first alert the process tree looks for ancestors.</summary>
    public TimeSpan ProcessLookback { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far after the last alert the process tree looks for children (what the attacker's process did next).</summary>
    public TimeSpan ProcessLookahead { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Upper bound of process_creation events read per device for a tree.</summary>
    public int MaxProcessEvents { get; init; } = 20_000;

    /// <summary>Upper bound of nodes in a tree.</summary>
    public int MaxTreeNodes { get; init; } = 500;

    public ValueTask<IncidentPage> ListAsync(Actor actor, IncidentQuery query, CancellationToken cancellationToken = default) =>
        _incidents.ListAsync(actor.Scope, query, cancellationToken);

    /// <summary>Open incidents per tenant and severity, in the actor's scope.</summary>
    public ValueTask<IReadOnlyList<OpenIncidentCount>> CountOpenAsync(Actor actor, CancellationToken cancellationToken = default) =>
        _incidents.CountOpenAsync(actor.Scope, cancellationToken);

    public ValueTask<Incident?> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken = default) =>
        _incidents.GetAsync(actor.Scope, id, cancellationToken);

    public async ValueTask<IncidentDetail?> GetDetailAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        if (await _incidents.GetAsync(actor.Scope, id, cancellationToken) is not { } incident)
        {
            return null;
        }

        IReadOnlyList<Alert> alerts = await AlertsOf(actor.Scope, incident, cancellationToken);
        IncidentHistory history = await _incidents.GetHistoryAsync(actor.Scope, id, cancellationToken);
        return new IncidentDetail(incident, alerts, history);
    }

    /// <summary>Moves the incident to <paramref name="to"/>; null when the incident is not visible to the actor.</summary>
    /// <exception cref="InvalidIncidentTransitionException">The workflow does not allow the move (names from and to).</exception>
    /// <exception cref="DetectionAccessException">The actor is read-only.</exception>
    /// <exception cref="InvalidOperationException">Someone else changed the status meanwhile.</exception>
    public async ValueTask<IncidentChange?> ChangeStatusAsync(Actor actor, Guid id, IncidentStatus to, string? note = null, CancellationToken cancellationToken = default)
    {
        Access.RequireWriter(actor, "change an incident's status");
        if (await _incidents.GetAsync(actor.Scope, id, cancellationToken) is not { } before)
        {
            return null;
        }

        if (!IncidentWorkflow.CanMove(before.Status, to))
        {
            throw new InvalidIncidentTransitionException(before.Status, to);
        }

        var transition = new IncidentTransition(id, actor.Id, before.Status, to, _time.GetUtcNow(), CheckNote(note));
        if (!await _incidents.ChangeStatusAsync(actor.Scope, transition, cancellationToken))
        {
            throw new ConcurrentChangeException($"incident {id} changed meanwhile (it is no longer {IncidentWorkflow.Label(before.Status).Wire}); reload and retry");
        }

        return new IncidentChange(before, (await _incidents.GetAsync(actor.Scope, id, cancellationToken))!);
    }

    /// <summary>Sets (or, with null, clears) the assignee; null when the incident is not visible to the actor.</summary>
    public async ValueTask<IncidentChange?> AssignAsync(Actor actor, Guid id, string? assignee, string? note = null, CancellationToken cancellationToken = default)
    {
        Access.RequireWriter(actor, "assign incidents");
        if (assignee is not null && (assignee.Trim().Length == 0 || assignee.Length > MaxAssigneeLength))
        {
            throw new ArgumentException($"assignee must be a user id of 1 to {MaxAssigneeLength} characters, or null to unassign", nameof(assignee));
        }

        if (await _incidents.GetAsync(actor.Scope, id, cancellationToken) is not { } before)
        {
            return null;
        }

        if (before.Assignee == assignee)
        {
            return new IncidentChange(before, before);
        }

        var assignment = new IncidentAssignment(id, actor.Id, before.Assignee, assignee, _time.GetUtcNow(), CheckNote(note));
        if (!await _incidents.AssignAsync(actor.Scope, assignment, cancellationToken))
        {
            throw new ConcurrentChangeException($"incident {id} was reassigned meanwhile; reload and retry");
        }

        return new IncidentChange(before, (await _incidents.GetAsync(actor.Scope, id, cancellationToken))!);
    }

    /// <summary>Adds a comment; null when the incident is not visible to the actor.</summary>
    public async ValueTask<IncidentComment?> AddCommentAsync(Actor actor, Guid id, string text, CancellationToken cancellationToken = default)
    {
        Access.RequireWriter(actor, "comment on incidents");
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxCommentLength)
        {
            throw new ArgumentException($"text must hold 1 to {MaxCommentLength} characters", nameof(text));
        }

        if (await _incidents.GetAsync(actor.Scope, id, cancellationToken) is null)
        {
            return null;
        }

        var comment = new IncidentComment(Guid.CreateVersion7(), id, actor.Id, text, _time.GetUtcNow());
        return await _incidents.AddCommentAsync(actor.Scope, comment, cancellationToken) ? comment : null;
    }

    /// <summary>Alerts and the raw events they link to, by time; empty when the incident is not visible.</summary>
    public async ValueTask<IReadOnlyList<TimelineEntry>> GetTimelineAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        if (await _incidents.GetAsync(actor.Scope, id, cancellationToken) is not { } incident)
        {
            return [];
        }

        IReadOnlyList<Alert> alerts = await AlertsOf(actor.Scope, incident, cancellationToken);
        var owners = new Dictionary<long, List<Guid>>();
        var entries = new List<TimelineEntry>();
        foreach (Alert a in alerts)
        {
            entries.Add(new TimelineEntry(a.FirstSeen, TimelineEntryKind.Alert, a, null, [a.Id]));
            foreach (long e in a.EventIds)
            {
                (owners.TryGetValue(e, out List<Guid>? list) ? list : owners[e] = []).Add(a.Id);
            }
        }

        foreach (StoredEvent e in await _rawEvents.GetEventsAsync(actor.Scope, owners.Keys, cancellationToken))
        {
            entries.Add(new TimelineEntry(e.Event.Time, TimelineEntryKind.Event, null, e, owners[e.Id]));
        }

        // Stable: an alert comes before the event it was raised on.
        return [.. entries.OrderBy(e => e.Time).ThenBy(e => e.Kind)];
    }

    /// <summary>The process tree around the incident on its devices; null when the incident is not visible.</summary>
    public async ValueTask<ProcessTree?> GetProcessTreeAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        if (await _incidents.GetAsync(actor.Scope, id, cancellationToken) is not { } incident)
        {
            return null;
        }

        IReadOnlyList<Alert> alerts = await AlertsOf(actor.Scope, incident, cancellationToken);
        var involvedEvents = new HashSet<long>(alerts.SelectMany(a => a.EventIds));
        var involvedGuids = new HashSet<string>(alerts.Where(a => a.ProcessGuid is not null).Select(a => a.ProcessGuid!.Trim('{', '}', ' ')), StringComparer.OrdinalIgnoreCase);
        DateTimeOffset from = incident.FirstActivity - ProcessLookback;
        DateTimeOffset to = incident.LastActivity + ProcessLookahead;
        var processes = new List<StoredEvent>();
        foreach (DeviceId device in incident.Devices)
        {
            long? after = null;
            int read = 0;
            while (read < MaxProcessEvents)
            {
                IReadOnlyList<StoredEvent> page = await _events.QueryEventsAsync(actor.Scope, new EventQuery(device, from, to, Math.Min(1000, MaxProcessEvents - read), after), cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                read += page.Count;
                after = page[^1].Id;
                processes.AddRange(page.Where(e => ProcessTreeBuilder.IsProcessCreation(e.Event)));
            }
        }

        return ProcessTreeBuilder.Build(
            processes,
            e => involvedEvents.Contains(e.Id) || (ProcessTreeBuilder.Guid(e.Event, "ProcessGuid") is { } g && involvedGuids.Contains(g)),
            MaxTreeNodes);
    }

    private async ValueTask<IReadOnlyList<Alert>> AlertsOf(TenantScope scope, Incident incident, CancellationToken ct)
    {
        var all = new List<Alert>();
        DateTimeOffset? before = null;
        while (true)
        {
            IReadOnlyList<Alert> page = await _alerts.ListAlertsAsync(scope, new AlertQuery(IncidentId: incident.Id, SeenBefore: before, Limit: 500), ct);
            all.AddRange(page);
            if (page.Count < 500)
            {
                break;
            }

            before = page[^1].LastSeen;
        }

        all.Sort((a, b) => a.FirstSeen != b.FirstSeen ? a.FirstSeen.CompareTo(b.FirstSeen) : a.CreatedAt.CompareTo(b.CreatedAt));
        return all;
    }

    private static string? CheckNote(string? note) =>
        note is { Length: > MaxCommentLength } ? throw new ArgumentException($"note must hold at most {MaxCommentLength} characters", nameof(note)) : note;
}
