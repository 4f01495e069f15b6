namespace Yamori.Cloud.Detection;

/// <summary>What detection did since start-up (thread-safe, monotonic), for metrics and tests.</summary>
public sealed class DetectionCounters
{
    private long _events;
    private long _matches;
    private long _disabled;
    private long _suppressed;
    private long _alertsCreated;
    private long _alertsMerged;
    private long _incidentsOpened;
    private long _integrityAlerts;
    private long _listenerFailures;

    public long Events => Interlocked.Read(ref _events);

    /// <summary>Rule matches before tenant settings.</summary>
    public long Matches => Interlocked.Read(ref _matches);

    /// <summary>Matches dropped because the rule is off for the tenant.</summary>
    public long Disabled => Interlocked.Read(ref _disabled);

    /// <summary>Matches dropped by a tenant's exception (filter).</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    public long AlertsCreated => Interlocked.Read(ref _alertsCreated);

    /// <summary>Matches merged into an existing alert.</summary>
    public long AlertsMerged => Interlocked.Read(ref _alertsMerged);

    public long IncidentsOpened => Interlocked.Read(ref _incidentsOpened);

    public long IntegrityAlerts => Interlocked.Read(ref _integrityAlerts);

    public long ListenerFailures => Interlocked.Read(ref _listenerFailures);

    internal void AddEvents(long n) => Interlocked.Add(ref _events, n);

    internal void AddMatches(long n) => Interlocked.Add(ref _matches, n);

    internal void AddDisabled(long n) => Interlocked.Add(ref _disabled, n);

    internal void AddSuppressed(long n) => Interlocked.Add(ref _suppressed, n);

    internal void AlertCreated() => Interlocked.Increment(ref _alertsCreated);

    internal void AlertMerged() => Interlocked.Increment(ref _alertsMerged);

    internal void IncidentOpened() => Interlocked.Increment(ref _incidentsOpened);

    internal void IntegrityAlert() => Interlocked.Increment(ref _integrityAlerts);

    internal void ListenerFailed() => Interlocked.Increment(ref _listenerFailures);
}
