using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Yamori.Agent.Telemetry;
using Yamori.Agent.Windows;
using Yamori.Evtx;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Windows;

/// <summary>
/// A fake Windows event log: the one fake of these tests, because wevtapi.dll cannot run on this
/// machine. Each channel is a growing list of real recorded events rendered to event XML (as
/// EvtRender gives them); subscriptions honour bookmarks, the oldest/future start and signalling
/// like EvtSubscribe's pull model, so the collector's platform-neutral part runs for real on top.
/// </summary>
internal sealed partial class RecordedEventLog : IEventLogSubscriber
{
    private readonly Dictionary<string, List<string>> _channels = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Subscription> _open = [];
    private readonly object _lock = new();

    /// <summary>Channels whose Open fails as a missing channel does.</summary>
    public HashSet<string> Missing { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When positive, the read that would pass this many events of a channel throws once (a transient EvtNext error).</summary>
    public int FailOnceAt { get; set; } = -1;

    public int Opens { get; private set; }

    /// <summary>Every record of the regression .evtx files, as compact event XML, grouped by channel in file order.</summary>
    public static Dictionary<string, List<string>> LoadRecordings(string regressionRoot)
    {
        var byChannel = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (string f in Directory.GetFiles(regressionRoot, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using EvtxFile file = EvtxFile.Open(f);
            foreach (EvtxRecord r in file.Records())
            {
                string channel = r.Channel ?? throw new InvalidDataException($"{f}: record {r.RecordId} has no channel");
                if (!byChannel.TryGetValue(channel, out List<string>? list))
                {
                    byChannel[channel] = list = [];
                }

                list.Add(r.ToXml(indent: false));
            }
        }

        return byChannel;
    }

    public void Append(string channel, IEnumerable<string> xml)
    {
        lock (_lock)
        {
            if (!_channels.TryGetValue(channel, out List<string>? list))
            {
                _channels[channel] = list = [];
            }

            list.AddRange(xml);
            foreach (Subscription s in _open)
            {
                if (string.Equals(s.Channel, channel, StringComparison.OrdinalIgnoreCase))
                {
                    s.SignalHandle.Set();
                }
            }
        }
    }

    public IEventLogSubscription Open(string channel, string structuredQuery, string? bookmarkXml, bool startAtOldestRecord)
    {
        Assert.Contains("<QueryList>", structuredQuery, StringComparison.Ordinal);
        lock (_lock)
        {
            Opens++;
            if (Missing.Contains(channel))
            {
                throw new EventLogChannelUnavailableException($"{channel}: the channel does not exist on this host");
            }

            int count = _channels.TryGetValue(channel, out List<string>? list) ? list.Count : 0;
            int start = bookmarkXml is not null
                ? int.Parse(BookmarkPosition().Match(bookmarkXml).Groups[1].Value, CultureInfo.InvariantCulture)
                : startAtOldestRecord ? 0 : count;
            var s = new Subscription(this, channel, start);
            _open.Add(s);
            return s;
        }
    }

    [GeneratedRegex("RecordId='(\\d+)'")]
    private static partial Regex BookmarkPosition();

    private sealed class Subscription(RecordedEventLog log, string channel, int position) : IEventLogSubscription
    {
        private int _position = position;

        public string Channel { get; } = channel;

        public ManualResetEvent SignalHandle { get; } = new(initialState: true);

        public WaitHandle Signal => SignalHandle;

        public string? ResumeProblem => null;

        public void ResetSignal() => SignalHandle.Reset();

        public int ReadBatch(int max, Action<ReadOnlyMemory<char>> onEvent)
        {
            string[] batch;
            lock (log._lock)
            {
                List<string> list = log._channels.TryGetValue(Channel, out List<string>? l) ? l : [];
                batch = [.. list.Skip(_position).Take(max)];
                if (log.FailOnceAt > 0 && _position + batch.Length >= log.FailOnceAt)
                {
                    log.FailOnceAt = -1;
                    throw new IOException("simulated EvtNext failure");
                }
            }

            foreach (string xml in batch)
            {
                onEvent(xml.AsMemory());
                _position++; // the bookmark moves past an event once it was handed over, as EvtUpdateBookmark does
            }

            return batch.Length;
        }

        public string RenderBookmark() =>
            $"<BookmarkList><Bookmark Channel='{Channel}' RecordId='{_position}' IsCurrent='true'/></BookmarkList>";

        public void Dispose()
        {
            lock (log._lock)
            {
                log._open.Remove(this);
            }

            SignalHandle.Dispose();
        }
    }
}

/// <summary>A sink that keeps what it is given; optionally sheds every n-th event as the resource governor would.</summary>
internal sealed class CollectingSink(int shedEvery = 0) : ITelemetrySink
{
    private int _offered;

    public ConcurrentQueue<(FlatEvent Event, EventPriority Priority)> Events { get; } = new();

    public bool Publish(FlatEvent telemetry, EventPriority priority)
    {
        int n = Interlocked.Increment(ref _offered);
        if (shedEvery > 0 && n % shedEvery == 0)
        {
            return false;
        }

        Events.Enqueue((telemetry, priority));
        return true;
    }

    public int Offered => Volatile.Read(ref _offered);

    /// <summary>Waits (generously) until <paramref name="count"/> events were offered.</summary>
    public void WaitForOffered(int count)
    {
        Assert.True(SpinWait.SpinUntil(() => Offered >= count, TimeSpan.FromSeconds(60)), $"only {Offered} of {count} events arrived within 60 s");
    }
}
