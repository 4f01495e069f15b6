using Microsoft.Extensions.Logging;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Windows;

/// <summary>
/// Reads one channel until cancelled: waits for the subscription's signal (or the poll interval),
/// drains it, maps each event and publishes it, and writes the bookmark every
/// <see cref="WindowsEventCollectorOptions.BookmarkInterval"/> and when it stops. A read error
/// closes the subscription and reopens it from the saved bookmark, so nothing is skipped.
/// Platform-neutral: the event-log API sits behind <see cref="IEventLogSubscriber"/>.
/// </summary>
internal sealed class ChannelReader
{
    private readonly WindowsEventChannel _channel;
    private readonly string _query;
    private readonly IEventLogSubscriber _subscriber;
    private readonly EventLogBookmarkStore _bookmarks;
    private readonly WindowsEventCollectorOptions _options;
    private readonly WindowsEventCollectorStats _stats;
    private readonly ILogger _logger;
    private readonly WindowsEventMapper _mapper = new();
    private readonly Action<ReadOnlyMemory<char>> _onEvent;
    private ITelemetrySink? _sink;

    public ChannelReader(WindowsEventChannel channel, IEventLogSubscriber subscriber, EventLogBookmarkStore bookmarks,
        WindowsEventCollectorOptions options, WindowsEventCollectorStats stats, ILogger logger)
    {
        _channel = channel;
        _query = EventLogQuery.For(channel);
        _subscriber = subscriber;
        _bookmarks = bookmarks;
        _options = options;
        _stats = stats;
        _logger = logger;
        _onEvent = OnEvent; // one delegate for the reader's life, not one per batch
    }

    public string Channel => _channel.Name;

    /// <summary>Opens the subscription at the saved bookmark.</summary>
    /// <exception cref="EventLogChannelUnavailableException">The channel cannot be read on this host.</exception>
    public IEventLogSubscription Open()
    {
        string? bookmark = _bookmarks.Load(_channel.Name, out string? problem);
        if (problem is not null)
        {
            _stats.AddBookmarkGap();
            WindowsLog.ResumeProblem(_logger, _channel.Name, problem);
        }

        IEventLogSubscription sub = _subscriber.Open(_channel.Name, _query, bookmark, _options.StartAtOldestRecord);
        if (sub.ResumeProblem is { } resume)
        {
            _stats.AddBookmarkGap();
            WindowsLog.ResumeProblem(_logger, _channel.Name, resume);
        }

        return sub;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or the channel disappears.</summary>
    public void Run(IEventLogSubscription first, ITelemetrySink sink, CancellationToken cancellationToken)
    {
        _sink = sink;
        IEventLogSubscription? sub = first;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    sub ??= Open();
                    Pump(sub, cancellationToken);
                }
                catch (EventLogChannelUnavailableException ex)
                {
                    WindowsLog.ChannelUnavailable(_logger, _channel.Name, ex.Message);
                    return;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    _stats.AddResubscription();
                    WindowsLog.ReadFailed(_logger, _channel.Name, _options.ResubscribeDelay, ex);
                    sub?.Dispose();
                    sub = null;
                    cancellationToken.WaitHandle.WaitOne(_options.ResubscribeDelay);
                }
            }
        }
        finally
        {
            sub?.Dispose();
        }
    }

    private void Pump(IEventLogSubscription sub, CancellationToken cancellationToken)
    {
        WaitHandle[] handles = [sub.Signal, cancellationToken.WaitHandle];
        bool dirty = false;
        long lastSave = Environment.TickCount64;
        long interval = (long)_options.BookmarkInterval.TotalMilliseconds;
        long poll = (long)_options.PollInterval.TotalMilliseconds;
        try
        {
            while (true)
            {
                // While a bookmark is owed, wake when it is due (not sooner than 50 ms, so a failing
                // disk is retried, not hammered).
                long wait = dirty ? Math.Min(Math.Max(interval - (Environment.TickCount64 - lastSave), 50), poll) : poll;
                int signalled = WaitHandle.WaitAny(handles, TimeSpan.FromMilliseconds(wait));
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                if (signalled == 0)
                {
                    // Reset before draining: an event arriving during the drain signals again.
                    sub.ResetSignal();
                }

                while (sub.ReadBatch(_options.BatchSize, _onEvent) > 0)
                {
                    dirty = true;
                    if (Environment.TickCount64 - lastSave >= interval)
                    {
                        dirty = !Save(sub);
                        lastSave = Environment.TickCount64;
                    }

                    if (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }
                }

                if (dirty && Environment.TickCount64 - lastSave >= interval)
                {
                    dirty = !Save(sub);
                    lastSave = Environment.TickCount64;
                }
            }
        }
        finally
        {
            if (dirty)
            {
                Save(sub);
            }
        }
    }

    private bool Save(IEventLogSubscription sub)
    {
        try
        {
            _bookmarks.Save(_channel.Name, sub.RenderBookmark());
            return true;
        }
        catch (Exception ex)
        {
            _stats.AddBookmarkWriteFailure();
            WindowsLog.BookmarkWriteFailed(_logger, _channel.Name, ex);
            return false;
        }
    }

    private void OnEvent(ReadOnlyMemory<char> xml)
    {
        _stats.AddRead();
        var e = new FlatEvent(); // the sink takes ownership of each event: no reuse across publishes
        try
        {
            _mapper.Fill(e, xml);
        }
        catch (FormatException ex)
        {
            long count = _stats.AddMalformed();
            if ((count & (count - 1)) == 0)
            {
                // Logged at 1, 2, 4, 8…: every drop is counted, the log is not flooded.
                WindowsLog.Malformed(_logger, _channel.Name, count, ex.Message);
            }

            return;
        }

        if (_sink!.Publish(e, WindowsEventPriority.Of(e)))
        {
            _stats.AddPublished();
        }
        else
        {
            _stats.AddShed();
        }
    }
}
