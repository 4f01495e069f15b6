namespace Yamori.Cloud.Ingest;

/// <summary>Running totals of the ingest pipeline (for metrics and the health page).</summary>
public sealed class IngestCounters
{
    private long _batchesStored;
    private long _eventsStored;
    private long _duplicates;
    private long _rejected;
    private long _gaps;
    private long _groups;
    private long _throttled;
    private long _sinkFailures;

    internal void Completed(IngestResult result, int events)
    {
        switch (result.Status)
        {
            case IngestStatus.Stored:
                Interlocked.Increment(ref _batchesStored);
                Interlocked.Add(ref _eventsStored, events);
                break;
            case IngestStatus.Duplicate:
                Interlocked.Increment(ref _duplicates);
                break;
            default:
                Interlocked.Increment(ref _rejected);
                break;
        }

        if (result.Gap is not null)
        {
            Interlocked.Increment(ref _gaps);
        }
    }

    internal void Rejected() => Interlocked.Increment(ref _rejected);

    internal void Group() => Interlocked.Increment(ref _groups);

    internal void Throttled() => Interlocked.Increment(ref _throttled);

    internal void SinkFailure() => Interlocked.Increment(ref _sinkFailures);

    internal Snapshot Read() => new(
        Interlocked.Read(ref _batchesStored),
        Interlocked.Read(ref _eventsStored),
        Interlocked.Read(ref _duplicates),
        Interlocked.Read(ref _rejected),
        Interlocked.Read(ref _gaps),
        Interlocked.Read(ref _groups),
        Interlocked.Read(ref _throttled),
        Interlocked.Read(ref _sinkFailures));

    /// <param name="Groups">Transactions committed; batches ÷ groups is the group-commit factor.</param>
    /// <param name="Throttled">Batches delayed by a device's rate limit.</param>
    public sealed record Snapshot(
        long BatchesStored,
        long EventsStored,
        long Duplicates,
        long Rejected,
        long Gaps,
        long Groups,
        long Throttled,
        long SinkFailures);
}
