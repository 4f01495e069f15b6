using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Agent.Telemetry;
using Yamori.Agent.Windows.Interop;

namespace Yamori.Agent.Windows;

/// <summary>
/// Windows event-log telemetry: subscribes to each configured channel (Sysmon, Security,
/// PowerShell, Defender, System by default) with the Windows Event Log API, maps every event with
/// <see cref="WindowsEventMapper"/> and publishes it at <see cref="WindowsEventPriority"/>. Each
/// channel resumes after its persisted bookmark when the agent restarts. Channels that do not
/// exist or may not be read here (Sysmon not installed, no right to Security) are skipped and
/// listed in <see cref="UnavailableChannels"/>; when none can be read, or off Windows,
/// <see cref="RunAsync"/> throws <see cref="CollectorUnavailableException"/>.
/// </summary>
public sealed class WindowsEventCollector : ICollector
{
    private readonly WindowsEventCollectorOptions _options;
    private readonly IEventLogSubscriber? _subscriber;
    private readonly ILogger _logger;
    private readonly List<string> _unavailable = [];

    public WindowsEventCollector(WindowsEventCollectorOptions options, ILogger<WindowsEventCollector>? logger = null)
        : this(options, subscriber: null, logger)
    {
    }

    /// <summary>With another event-log implementation (tests replay recorded events through it).</summary>
    internal WindowsEventCollector(WindowsEventCollectorOptions options, IEventLogSubscriber? subscriber, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _subscriber = subscriber;
        _logger = logger ?? NullLogger.Instance;
        Bookmarks = new EventLogBookmarkStore(Path.Combine(options.DataDirectory, "windows-bookmarks"));
    }

    public string Name => "windows-eventlog";

    public WindowsEventCollectorStats Stats { get; } = new();

    /// <summary>Where each channel's bookmark is kept.</summary>
    public EventLogBookmarkStore Bookmarks { get; }

    /// <summary>Channels skipped at start, each as "channel: reason" (for the heartbeat).</summary>
    public IReadOnlyList<string> UnavailableChannels
    {
        get
        {
            lock (_unavailable)
            {
                return [.. _unavailable];
            }
        }
    }

    public Task RunAsync(ITelemetrySink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        IEventLogSubscriber? subscriber = _subscriber;
        if (subscriber is null)
        {
            if (!OperatingSystem.IsWindows())
            {
                throw new CollectorUnavailableException(
                    $"the Windows event log collector needs Windows (wevtapi.dll); this host runs {RuntimeInformation.OSDescription}");
            }

            subscriber = new EvtSubscriber();
        }

        return RunCoreAsync(subscriber, sink, cancellationToken);
    }

    private async Task RunCoreAsync(IEventLogSubscriber subscriber, ITelemetrySink sink, CancellationToken cancellationToken)
    {
        // Open every subscription first, so a collector that can read nothing fails at once with the reasons.
        var started = new List<(ChannelReader Reader, IEventLogSubscription Subscription)>();
        foreach (WindowsEventChannel channel in _options.Channels)
        {
            var reader = new ChannelReader(channel, subscriber, Bookmarks, _options, Stats, _logger);
            try
            {
                started.Add((reader, reader.Open()));
                WindowsLog.ChannelStarted(_logger, channel.Name);
            }
            catch (EventLogChannelUnavailableException ex)
            {
                WindowsLog.ChannelUnavailable(_logger, channel.Name, ex.Message);
                lock (_unavailable)
                {
                    _unavailable.Add(channel.Name + ": " + ex.Message);
                }
            }
        }

        if (started.Count == 0)
        {
            throw new CollectorUnavailableException("no Windows event log channel can be read: " + string.Join("; ", UnavailableChannels));
        }

        // One thread per channel: each blocks in WaitAny on its subscription's signal.
        var tasks = new List<Task>(started.Count);
        foreach ((ChannelReader reader, IEventLogSubscription sub) in started)
        {
            tasks.Add(Task.Factory.StartNew(
                () => reader.Run(sub, sink, cancellationToken),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
