namespace Yamori.Agent.Windows;

/// <summary>
/// Counters of <see cref="WindowsEventCollector"/> for heartbeats: every event read is either
/// published, shed by the sink, or malformed, so Read = Published + Shed + Malformed.
/// </summary>
public sealed class WindowsEventCollectorStats
{
    private long _read;
    private long _published;
    private long _shed;
    private long _malformed;
    private long _bookmarkGaps;
    private long _bookmarkWriteFailures;
    private long _resubscriptions;

    /// <summary>Events handed over by the event log.</summary>
    public long Read => Interlocked.Read(ref _read);

    public long Published => Interlocked.Read(ref _published);

    /// <summary>Events the sink refused (resource governor); the sink counts them too.</summary>
    public long Shed => Interlocked.Read(ref _shed);

    /// <summary>Events whose XML could not be mapped (each is logged); dropped, never retried.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Times a channel could not resume at its bookmark (log cleared or wrapped): a possible loss, reported.</summary>
    public long BookmarkGaps => Interlocked.Read(ref _bookmarkGaps);

    /// <summary>Bookmark writes that failed (the next one retries; a restart would re-read more).</summary>
    public long BookmarkWriteFailures => Interlocked.Read(ref _bookmarkWriteFailures);

    /// <summary>Subscriptions reopened after a read error.</summary>
    public long Resubscriptions => Interlocked.Read(ref _resubscriptions);

    internal long AddRead() => Interlocked.Increment(ref _read);

    internal void AddPublished() => Interlocked.Increment(ref _published);

    internal void AddShed() => Interlocked.Increment(ref _shed);

    internal long AddMalformed() => Interlocked.Increment(ref _malformed);

    internal void AddBookmarkGap() => Interlocked.Increment(ref _bookmarkGaps);

    internal void AddBookmarkWriteFailure() => Interlocked.Increment(ref _bookmarkWriteFailures);

    internal void AddResubscription() => Interlocked.Increment(ref _resubscriptions);
}
