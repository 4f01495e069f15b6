namespace Yamori.Agent.Windows;

/// <summary>
/// One open subscription to one channel: the thin seam between the event-log API (wevtapi.dll on
/// Windows, <see cref="Interop.EvtChannelSubscription"/>) and the platform-neutral reader loop,
/// which is tested here against recorded events.
/// </summary>
internal interface IEventLogSubscription : IDisposable
{
    /// <summary>Set by the event-log service when new events may be available (manual reset).</summary>
    WaitHandle Signal { get; }

    /// <summary>
    /// Why the subscription could not resume exactly after its bookmark (the log was cleared or
    /// wrapped past it: events in between are lost), or null.
    /// </summary>
    string? ResumeProblem { get; }

    /// <summary>Clears <see cref="Signal"/>; called before draining so no signal is missed.</summary>
    void ResetSignal();

    /// <summary>
    /// Reads up to <paramref name="max"/> events, handing each one's rendered XML to
    /// <paramref name="onEvent"/> (the memory is valid only during the call) and advancing the
    /// bookmark past it. Returns how many were read; 0 when none is waiting.
    /// </summary>
    int ReadBatch(int max, Action<ReadOnlyMemory<char>> onEvent);

    /// <summary>The bookmark after the last event read, as XML (EvtRenderBookmark).</summary>
    string RenderBookmark();
}

/// <summary>Opens subscriptions; the Windows implementation calls EvtSubscribe.</summary>
internal interface IEventLogSubscriber
{
    /// <summary>
    /// Subscribes to <paramref name="channel"/> with <paramref name="structuredQuery"/>, resuming after
    /// <paramref name="bookmarkXml"/> when given, else from the oldest record or from new events only.
    /// </summary>
    /// <exception cref="EventLogChannelUnavailableException">The channel does not exist or may not be read here.</exception>
    IEventLogSubscription Open(string channel, string structuredQuery, string? bookmarkXml, bool startAtOldestRecord);
}

/// <summary>A channel that cannot be read on this host (not installed, access denied): not retried.</summary>
public sealed class EventLogChannelUnavailableException : Exception
{
    public EventLogChannelUnavailableException()
    {
    }

    public EventLogChannelUnavailableException(string message)
        : base(message)
    {
    }

    public EventLogChannelUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
