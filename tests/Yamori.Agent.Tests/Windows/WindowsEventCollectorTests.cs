using Yamori.Agent.Telemetry;
using Yamori.Agent.Windows;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Windows;

/// <summary>
/// The collector's reader loop, bookmarks and accounting on real recorded events, over
/// <see cref="RecordedEventLog"/> (the Windows event log itself cannot run here).
/// </summary>
public sealed class WindowsEventCollectorTests : IDisposable
{
    private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
    private static readonly Lazy<Dictionary<string, List<string>>> Recordings =
        new(() => RecordedEventLog.LoadRecordings(RegressionData.RegressionRoot!));

    private readonly string _dataDir = Directory.CreateTempSubdirectory("yamori-win-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private WindowsEventCollectorOptions Options(IEnumerable<string> channels, bool oldest = true) => new()
    {
        DataDirectory = _dataDir,
        Channels = [.. channels.Select(c => new WindowsEventChannel(c))],
        StartAtOldestRecord = oldest,
        PollInterval = TimeSpan.FromMilliseconds(200),
        ResubscribeDelay = TimeSpan.FromMilliseconds(50),
    };

    private static Dictionary<string, List<string>> Recorded()
    {
        Skip.If(RegressionData.RegressionRoot is null, RegressionData.Missing);
        return Recordings.Value;
    }

    /// <summary>Runs <paramref name="collector"/> until <paramref name="count"/> events were offered to the sink, then stops it.</summary>
    private static async Task RunUntil(WindowsEventCollector collector, CollectingSink sink, int count)
    {
        using var cts = new CancellationTokenSource();
        Task run = collector.RunAsync(sink, cts.Token);
        try
        {
            sink.WaitForOffered(count);
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    private static List<string> Describe(IEnumerable<FlatEvent> events) => [.. events.Select(e => RegressionData.Describe(e, normalize: false))];

    private static List<string> Mapped(IEnumerable<string> xml)
    {
        var mapper = new WindowsEventMapper();
        return Describe(xml.Select(mapper.Map));
    }

    [SkippableFact]
    public async Task Every_recorded_event_is_published_once_mapped_with_its_priority_and_bookmarked()
    {
        Dictionary<string, List<string>> recorded = Recorded();
        var log = new RecordedEventLog();
        foreach ((string channel, List<string> xml) in recorded)
        {
            log.Append(channel, xml);
        }

        int total = recorded.Values.Sum(l => l.Count);
        var sink = new CollectingSink();
        var collector = new WindowsEventCollector(Options(recorded.Keys), log, logger: null);
        await RunUntil(collector, sink, total);

        Assert.Equal(total, sink.Events.Count);
        Assert.Equal(total, collector.Stats.Read);
        Assert.Equal(total, collector.Stats.Published);
        Assert.Equal(0, collector.Stats.Malformed + collector.Stats.Shed + collector.Stats.BookmarkGaps);
        foreach ((string channel, List<string> xml) in recorded)
        {
            // Per channel the order is the log's order: one reader per channel.
            List<FlatEvent> got = [.. sink.Events.Select(p => p.Event).Where(e => e.TryGetField("Channel", out FieldValue c) && string.Equals(c.Text, channel, StringComparison.OrdinalIgnoreCase))];
            Assert.Equal(Mapped(xml), Describe(got));
            string? bookmark = collector.Bookmarks.Load(channel, out string? problem);
            Assert.Null(problem);
            Assert.Contains($"RecordId='{xml.Count}'", bookmark, StringComparison.Ordinal);
        }

        Assert.All(sink.Events, p => Assert.Equal(WindowsEventPriority.Of(p.Event), p.Priority));
        Assert.Contains(sink.Events, p => p.Priority == EventPriority.Low);
        Assert.Contains(sink.Events, p => p.Priority == EventPriority.Normal);
    }

    [SkippableFact]
    public async Task A_restart_resumes_after_the_bookmark_without_loss_or_repeat()
    {
        List<string> sysmon = Recorded()[Sysmon];
        int half = sysmon.Count / 2;
        var log = new RecordedEventLog();
        log.Append(Sysmon, sysmon.Take(half));

        var first = new CollectingSink();
        await RunUntil(new WindowsEventCollector(Options([Sysmon]), log, null), first, half);
        Assert.Equal(Mapped(sysmon.Take(half)), Describe(first.Events.Select(p => p.Event)));

        // Written while the agent was down; the new collector would start at new events only, were it not for the bookmark.
        log.Append(Sysmon, sysmon.Skip(half));
        var second = new CollectingSink();
        await RunUntil(new WindowsEventCollector(Options([Sysmon], oldest: false), log, null), second, sysmon.Count - half);
        Assert.Equal(Mapped(sysmon.Skip(half)), Describe(second.Events.Select(p => p.Event)));
    }

    [SkippableFact]
    public async Task Without_a_bookmark_only_new_events_are_read_by_default()
    {
        List<string> sysmon = Recorded()[Sysmon];
        var log = new RecordedEventLog();
        log.Append(Sysmon, sysmon.Take(10));
        var sink = new CollectingSink();
        using var cts = new CancellationTokenSource();
        var collector = new WindowsEventCollector(Options([Sysmon], oldest: false), log, null);
        Task run = collector.RunAsync(sink, cts.Token);

        // Appended once the subscription exists (Opens counts it), so these are the "future" events.
        Assert.True(SpinWait.SpinUntil(() => log.Opens == 1, TimeSpan.FromSeconds(60)));
        log.Append(Sysmon, sysmon.Skip(10).Take(5));
        sink.WaitForOffered(5);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Mapped(sysmon.Skip(10).Take(5)), Describe(sink.Events.Select(p => p.Event)));
    }

    [SkippableFact]
    public async Task Malformed_and_shed_events_are_counted_never_silently_lost()
    {
        List<string> sysmon = Recorded()[Sysmon];
        List<string> xml = [sysmon[0], "<Event><System>", sysmon[1], "<Provider/>", sysmon[2], "<Event><EventData/></Event>", sysmon[3], sysmon[4]];
        var log = new RecordedEventLog();
        log.Append(Sysmon, xml);
        var sink = new CollectingSink(shedEvery: 2);
        var collector = new WindowsEventCollector(Options([Sysmon]), log, null);
        await RunUntil(collector, sink, 5);

        Assert.Equal(8, collector.Stats.Read);
        Assert.Equal(3, collector.Stats.Malformed);
        Assert.Equal(2, collector.Stats.Shed);
        Assert.Equal(3, collector.Stats.Published);
        Assert.Equal(collector.Stats.Read, collector.Stats.Published + collector.Stats.Shed + collector.Stats.Malformed);
        Assert.Equal(Mapped([sysmon[0], sysmon[2], sysmon[4]]), Describe(sink.Events.Select(p => p.Event)));
    }

    [SkippableFact]
    public async Task A_read_error_resubscribes_from_the_bookmark()
    {
        List<string> sysmon = Recorded()[Sysmon];
        var log = new RecordedEventLog { FailOnceAt = sysmon.Count / 2 };
        log.Append(Sysmon, sysmon);
        var sink = new CollectingSink();
        var options = Options([Sysmon]) with { BatchSize = 4 };
        var collector = new WindowsEventCollector(options, log, null);
        await RunUntil(collector, sink, sysmon.Count);

        Assert.Equal(1, collector.Stats.Resubscriptions);
        Assert.Equal(2, log.Opens);
        Assert.Equal(Mapped(sysmon), Describe(sink.Events.Select(p => p.Event)));
    }

    [SkippableFact]
    public async Task A_missing_channel_is_skipped_and_reported_and_none_readable_is_unavailable()
    {
        Dictionary<string, List<string>> recorded = Recorded();
        var log = new RecordedEventLog();
        log.Missing.Add("Microsoft-Windows-Windows Defender/Operational");
        log.Append(Sysmon, recorded[Sysmon].Take(3));
        var sink = new CollectingSink();
        var collector = new WindowsEventCollector(Options([Sysmon, "Microsoft-Windows-Windows Defender/Operational"]), log, null);
        await RunUntil(collector, sink, 3);
        string reported = Assert.Single(collector.UnavailableChannels);
        Assert.StartsWith("Microsoft-Windows-Windows Defender/Operational: ", reported, StringComparison.Ordinal);

        log.Missing.Add(Sysmon);
        var none = new WindowsEventCollector(Options([Sysmon, "Microsoft-Windows-Windows Defender/Operational"]), log, null);
        var ex = await Assert.ThrowsAsync<CollectorUnavailableException>(() => none.RunAsync(sink, CancellationToken.None));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_damaged_bookmark_is_moved_aside_reported_and_reading_starts_afresh()
    {
        List<string> sysmon = Recorded()[Sysmon];
        var log = new RecordedEventLog();
        log.Append(Sysmon, sysmon.Take(6));
        var collector = new WindowsEventCollector(Options([Sysmon]), log, null);
        string path = collector.Bookmarks.PathOf(Sysmon);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "<BookmarkList><Bookmark Channel=");

        var sink = new CollectingSink();
        await RunUntil(collector, sink, 6);
        Assert.Equal(1, collector.Stats.BookmarkGaps);
        Assert.True(File.Exists(path + ".corrupt"));
        Assert.Equal(Mapped(sysmon.Take(6)), Describe(sink.Events.Select(p => p.Event)));
    }

    [SkippableFact]
    public async Task A_bookmark_that_cannot_be_written_is_counted_and_events_still_flow()
    {
        List<string> sysmon = Recorded()[Sysmon];
        var log = new RecordedEventLog();
        log.Append(Sysmon, sysmon.Take(8));

        // A file where the bookmark directory should be: every write fails, for real.
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "windows-bookmarks"), "not a directory");
        var sink = new CollectingSink();
        var collector = new WindowsEventCollector(Options([Sysmon]) with { BatchSize = 2, BookmarkInterval = TimeSpan.Zero }, log, null);
        await RunUntil(collector, sink, 8);
        Assert.True(collector.Stats.BookmarkWriteFailures >= 1);
        Assert.Equal(Mapped(sysmon.Take(8)), Describe(sink.Events.Select(p => p.Event)));
    }

    [SkippableFact]
    public async Task Off_windows_the_collector_is_unavailable_with_the_reason()
    {
        Skip.If(OperatingSystem.IsWindows(), "this host is Windows: the real event log is used");
        var collector = new WindowsEventCollector(new WindowsEventCollectorOptions { DataDirectory = _dataDir });
        var ex = await Assert.ThrowsAsync<CollectorUnavailableException>(() => collector.RunAsync(new CollectingSink(), CancellationToken.None));
        Assert.Contains("needs Windows", ex.Message, StringComparison.Ordinal);
        Assert.Equal("windows-eventlog", collector.Name);
    }
}
