using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Incidents;

/// <summary>
/// Turns candidates into alerts and incidents: merges repeats of a rule on a device, joins alerts
/// of the same device or user that are close in time into one incident, stores each tenant's round
/// in one transaction, then tells the listeners. Rounds run one at a time, so merges see each other.
/// </summary>
public sealed class AlertCorrelator
{
    private readonly IAlertStore _alerts;
    private readonly IIncidentStore _incidents;
    private readonly IReadOnlyList<IIncidentListener> _listeners;
    private readonly DetectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _round = new(1, 1);

    public AlertCorrelator(
        IAlertStore alerts,
        IIncidentStore incidents,
        IEnumerable<IIncidentListener>? listeners = null,
        DetectionOptions? options = null,
        TimeProvider? time = null,
        ILogger<AlertCorrelator>? logger = null,
        DetectionCounters? counters = null)
    {
        _alerts = alerts;
        _incidents = incidents;
        _listeners = listeners?.ToArray() ?? [];
        _options = options ?? new DetectionOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Counters = counters ?? new DetectionCounters();
    }

    public DetectionCounters Counters { get; }

    /// <summary>Processes candidates in list order (per device, that must be event order); returns the alerts created or updated.</summary>
    public async ValueTask<IReadOnlyList<Alert>> ProcessAsync(IReadOnlyList<AlertCandidate> candidates, CancellationToken cancellationToken = default)
    {
        if (candidates.Count == 0)
        {
            return [];
        }

        var result = new List<Alert>();
        var stored = new List<Round>();
        try
        {
            await _round.WaitAsync(cancellationToken);
            try
            {
                foreach (IGrouping<TenantId, AlertCandidate> tenant in candidates.GroupBy(c => c.Tenant))
                {
                    var round = new Round(tenant.Key);
                    foreach (AlertCandidate c in tenant)
                    {
                        await ApplyAsync(round, c, cancellationToken);
                    }

                    await _incidents.RecordDetectionAsync(
                        TenantScope.For(tenant.Key),
                        [.. round.Alerts.Values],
                        [.. round.Incidents.Values.Where(i => round.Created.Contains(i.Id))],
                        [.. round.Incidents.Values.Where(i => !round.Created.Contains(i.Id))],
                        cancellationToken);
                    result.AddRange(round.Alerts.Values);
                    stored.Add(round);
                }
            }
            finally
            {
                _round.Release();
            }
        }
        finally
        {
            // Outside the round lock, and even when a later tenant's round failed: what is stored is announced.
            foreach (Round round in stored)
            {
                await NotifyAsync(round, CancellationToken.None);
            }
        }

        return result;
    }

    private async ValueTask ApplyAsync(Round round, AlertCandidate c, CancellationToken ct)
    {
        TenantScope scope = TenantScope.For(round.Tenant);
        DateTimeOffset now = _time.GetUtcNow();
        if (c.Mergeable && await FindMergeableAsync(round, c, ct) is { } existing)
        {
            Incident? incident = existing.IncidentId is { } iid ? await GetIncidentAsync(round, iid, ct) : null;
            if (incident is { IsOpen: true })
            {
                Alert merged = existing with
                {
                    Count = existing.Count + 1,
                    FirstSeen = c.Time < existing.FirstSeen ? c.Time : existing.FirstSeen,
                    LastSeen = c.Time > existing.LastSeen ? c.Time : existing.LastSeen,
                    EventIds = c.EventId is { } eid && existing.EventIds.Count < _options.MaxEventIdsPerAlert ? [.. existing.EventIds, eid] : existing.EventIds,
                };
                round.Alerts[merged.Id] = merged;
                round.Latest[(c.Device, c.RuleId)] = merged;
                round.Incidents[incident.Id] = incident with
                {
                    FirstActivity = c.Time < incident.FirstActivity ? c.Time : incident.FirstActivity,
                    LastActivity = c.Time > incident.LastActivity ? c.Time : incident.LastActivity,
                    UpdatedAt = now,
                };
                Counters.AlertMerged();
                return;
            }
        }

        var alert = new Alert(
            Guid.CreateVersion7(now),
            round.Tenant,
            c.Device,
            c.RuleId,
            c.RuleTitle,
            c.Level,
            AttackTags.Techniques(c.Tags),
            AttackTags.Tactics(c.Tags),
            c.Time,
            c.Time,
            1,
            c.EventId is { } id ? [id] : [],
            c.User,
            c.Image,
            c.ProcessId,
            c.ProcessGuid,
            c.Detail,
            null,
            now);

        string? userKey = UserKeys.For(c.User);
        Incident? target = FindInRound(round, c.Device, userKey, c.Time - _options.IncidentWindow);
        if (target is null && await _incidents.FindCorrelatedAsync(scope, round.Tenant, c.Device, userKey, c.Time - _options.IncidentWindow, ct) is { } stored)
        {
            target = round.Incidents.TryGetValue(stored.Id, out Incident? current) ? current : stored;
            if (!target.IsOpen)
            {
                target = null;
            }
        }

        Incident joined;
        if (target is null)
        {
            joined = new Incident(
                Guid.CreateVersion7(now),
                round.Tenant,
                c.RuleTitle,
                c.Level,
                IncidentStatus.New,
                null,
                alert.Techniques,
                [c.Device],
                c.User is { } u && userKey is not null ? [u] : [],
                c.Time,
                c.Time,
                1,
                now,
                now);
            round.Created.Add(joined.Id);
            Counters.IncidentOpened();
        }
        else
        {
            round.PreviousSeverity.TryAdd(target.Id, target.Severity);
            bool higher = c.Level > target.Severity;
            joined = target with
            {
                Title = higher ? c.RuleTitle : target.Title,
                Severity = higher ? c.Level : target.Severity,
                Techniques = Union(target.Techniques, alert.Techniques),
                Devices = target.Devices.Contains(c.Device) ? target.Devices : [.. target.Devices, c.Device],
                Users = userKey is null || target.Users.Any(x => UserKeys.For(x) == userKey) ? target.Users : [.. target.Users, c.User!],
                FirstActivity = c.Time < target.FirstActivity ? c.Time : target.FirstActivity,
                LastActivity = c.Time > target.LastActivity ? c.Time : target.LastActivity,
                AlertCount = target.AlertCount + 1,
                UpdatedAt = now,
            };
        }

        round.Incidents[joined.Id] = joined;
        alert = alert with { IncidentId = joined.Id };
        round.Alerts[alert.Id] = alert;
        if (c.Mergeable)
        {
            round.Latest[(c.Device, c.RuleId)] = alert;
        }

        Counters.AlertCreated();
    }

    private async ValueTask<Alert?> FindMergeableAsync(Round round, AlertCandidate c, CancellationToken ct)
    {
        Alert? alert = round.Latest.TryGetValue((c.Device, c.RuleId), out Alert? inRound)
            ? inRound
            : await _alerts.FindMergeableAsync(TenantScope.For(round.Tenant), c.Device, c.RuleId, c.Time - _options.AlertMergeWindow, ct);
        if (alert is null || alert.Detail is not null)
        {
            return null;
        }

        if (round.Alerts.TryGetValue(alert.Id, out Alert? current))
        {
            alert = current;
        }

        TimeSpan window = _options.AlertMergeWindow;
        return c.Time <= alert.LastSeen + window && c.Time >= alert.FirstSeen - window ? alert : null;
    }

    private async ValueTask<Incident?> GetIncidentAsync(Round round, Guid id, CancellationToken ct) =>
        round.Incidents.TryGetValue(id, out Incident? current) ? current : await _incidents.GetAsync(TenantScope.For(round.Tenant), id, ct);

    private static Incident? FindInRound(Round round, DeviceId device, string? userKey, DateTimeOffset since)
    {
        Incident? best = null;
        foreach (Incident i in round.Incidents.Values)
        {
            if (i.IsOpen && i.LastActivity >= since &&
                (i.Devices.Contains(device) || (userKey is not null && i.Users.Any(u => UserKeys.For(u) == userKey))) &&
                (best is null || i.LastActivity > best.LastActivity))
            {
                best = i;
            }
        }

        return best;
    }

    private static string[] Union(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var list = new List<string>(a);
        foreach (string s in b)
        {
            if (!list.Contains(s))
            {
                list.Add(s);
            }
        }

        return [.. list];
    }

    private async ValueTask NotifyAsync(Round round, CancellationToken ct)
    {
        foreach (Incident incident in round.Incidents.Values)
        {
            bool opened = round.Created.Contains(incident.Id);
            if (opened)
            {
                DetectionLog.IncidentOpened(_logger, incident.Id, incident.Tenant, incident.Title, incident.Severity.ToSigma());
            }

            bool raised = !opened && round.PreviousSeverity.TryGetValue(incident.Id, out SigmaLevel previous) && incident.Severity > previous;
            if (!opened && !raised)
            {
                continue;
            }

            foreach (IIncidentListener listener in _listeners)
            {
                try
                {
                    if (opened)
                    {
                        await listener.OnIncidentOpenedAsync(incident, ct);
                    }
                    else
                    {
                        await listener.OnSeverityRaisedAsync(incident, round.PreviousSeverity[incident.Id], ct);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The incident is stored; a failing notifier must not cost the next alerts.
                    Counters.ListenerFailed();
                    DetectionLog.ListenerFailed(_logger, listener.GetType().Name, incident.Id, ex);
                }
            }
        }
    }

    /// <summary>What one tenant's round changed, in memory until it is stored.</summary>
    private sealed class Round(TenantId tenant)
    {
        public TenantId Tenant { get; } = tenant;

        public Dictionary<Guid, Alert> Alerts { get; } = [];

        public Dictionary<(DeviceId Device, string Rule), Alert> Latest { get; } = [];

        public Dictionary<Guid, Incident> Incidents { get; } = [];

        public HashSet<Guid> Created { get; } = [];

        public Dictionary<Guid, SigmaLevel> PreviousSeverity { get; } = [];
    }
}
