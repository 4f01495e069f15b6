using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Agent.Linux.Processes;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Linux.Network;

/// <summary>Settings of <see cref="NetworkCollector"/>.</summary>
public sealed record NetworkCollectorOptions
{
    /// <summary>Time between socket-table dumps; shorter catches shorter connections at more CPU.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Minimum time between full /proc scans for socket owners (~16 ms each on a small VM). Sockets
    /// the recently active processes do not hold, seen sooner after the last scan, are reported
    /// without a process; almost always they were closed between the dump and the scan anyway.
    /// </summary>
    public TimeSpan MinFullScanInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Report the connections that already exist when the collector starts (default: only new ones).</summary>
    public bool ReportExistingAtStart { get; init; }

    /// <summary>
    /// Learn of ended TCP connections from sock_diag's destroy multicast (default) instead of
    /// dumping TIME_WAIT remnants; where the kernel refuses it, remnants are dumped as before.
    /// </summary>
    public bool UseDestroyFeed { get; init; } = true;
}

/// <summary>
/// TCP connects and accepts and UDP flows to new destinations, with the owning process, by diffing
/// sock_diag dumps of the kernel's socket table taken every <see cref="NetworkCollectorOptions.PollInterval"/>.
/// <para>
/// What polling can miss, and the choice made: a connection that opens and fully closes between
/// two dumps leaves no socket to see. For TCP the kernel's destroy multicast fills that gap: every
/// freed TCP socket is announced with its addresses, so a short connection is reported when it
/// ends, from both sides, without a process (its socket has left its file by then) unless it was
/// accepted on a listener we can attribute (<see cref="SocketDestroyFeed"/>). Where that feed is
/// refused, the side that closed first is still found from its TIME_WAIT remnant (dumped every
/// fourth poll): measured with agent-burst --connections 5000 at 500/s on loopback, where the
/// server closes first, ~98 % of the accepts and ~10 % of the connects were seen that way. A UDP
/// socket used with sendto() and never connect()ed has no destination in the socket table at all;
/// only connected UDP flows (which includes glibc's DNS lookups) are reported. A process that exits
/// within the interval leaves its socket without an owner in /proc, and the event has no Image.
/// The alternative, a kernel hook per connect (eBPF, or an audit rule on connect()), would see
/// the connecting process too but needs eBPF tooling or floods the audit log; dumps and the destroy
/// feed need no kernel extension.
/// </para>
/// </summary>
public sealed partial class NetworkCollector : ICollector
{
    private static readonly LogSourceHint Source = new("linux", "network_connection", null);

    private readonly NetworkCollectorOptions _options;
    private readonly ILogger _logger;
    private readonly UserNames _users;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _polls;
    private long _published;
    private long _shed;
    private long _unattributed;
    private long _pollFailures;
    private long _pollCpuNs;
    private long _ownerScans;
    private long _targetedScans;
    private long _destroyOverruns;
    private int _destroyFeedActive;

    public NetworkCollector(NetworkCollectorOptions? options = null, ILogger<NetworkCollector>? logger = null, UserNames? users = null)
    {
        _options = options ?? new NetworkCollectorOptions();
        if (_options.PollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.PollInterval, "PollInterval must be positive");
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _users = users ?? UserNames.Shared;
    }

    public string Name => "network";

    /// <summary>Completes after the first dump (the baseline): connections from then on are reported.</summary>
    public Task Started => _started.Task;

    public long Polls => Interlocked.Read(ref _polls);

    public long Published => Interlocked.Read(ref _published);

    public long Shed => Interlocked.Read(ref _shed);

    /// <summary>Connections reported without a process (owner gone, TIME_WAIT remnant).</summary>
    public long Unattributed => Interlocked.Read(ref _unattributed);

    /// <summary>CPU time spent dumping, diffing, resolving owners and publishing: the collector's own cost.</summary>
    public TimeSpan CpuTimeInPolls => TimeSpan.FromTicks(Interlocked.Read(ref _pollCpuNs) / 100);

    /// <summary>Full /proc/*/fd scans made to find the owners of new sockets.</summary>
    public long OwnerScans => Interlocked.Read(ref _ownerScans);

    /// <summary>Scans of only the processes that owned recent new sockets (cheap; tried before a full scan).</summary>
    public long TargetedOwnerScans => Interlocked.Read(ref _targetedScans);

    /// <summary>Whether ended connections come from the kernel's destroy multicast (else from TIME_WAIT dumps).</summary>
    public bool DestroyFeedActive => Volatile.Read(ref _destroyFeedActive) == 1;

    /// <summary>Times the destroy feed's buffer overflowed: some short connections went unreported.</summary>
    public long DestroyFeedOverruns => Interlocked.Read(ref _destroyOverruns);

    /// <summary>Dumps that failed (logged); the next poll tries again.</summary>
    public long PollFailures => Interlocked.Read(ref _pollFailures);

    public async Task RunAsync(ITelemetrySink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!OperatingSystem.IsLinux())
        {
            throw Unavailable(new CollectorUnavailableException("sock_diag exists on Linux only"));
        }

        SockDiag diag;
        try
        {
            diag = new SockDiag();
        }
        catch (CollectorUnavailableException ex)
        {
            throw Unavailable(new CollectorUnavailableException("cannot open NETLINK_SOCK_DIAG: " + ex.Message, ex));
        }

        using SocketDestroyFeed? feed = _options.UseDestroyFeed ? SocketDestroyFeed.TryOpen() : null;
        if (_options.UseDestroyFeed && feed is null)
        {
            LogNoDestroyFeed(_logger);
        }

        Volatile.Write(ref _destroyFeedActive, feed is null ? 0 : 1);
        using (diag)
        {
            var tracker = new ConnectionTracker();
            var owners = new SocketOwners(_options.MinFullScanInterval);
            var destroyed = feed is null ? null : new List<SocketEntry>();
            try
            {
                Poll(diag, feed, destroyed, tracker, owners, sink, baseline: !_options.ReportExistingAtStart);
            }
            catch (Exception ex) when (ex is CollectorUnavailableException or InvalidDataException)
            {
                throw Unavailable(new CollectorUnavailableException("sock_diag dump failed: " + ex.Message, ex));
            }

            _started.TrySetResult();
            using var timer = new PeriodicTimer(_options.PollInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    try
                    {
                        Poll(diag, feed, destroyed, tracker, owners, sink, baseline: false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // One bad poll (a process gone mid-scan, a kernel answer not understood) is
                        // counted and logged; the next poll runs as usual.
                        Interlocked.Increment(ref _pollFailures);
                        LogPollFailed(_logger, ex);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped.
            }
        }
    }

    private void Poll(SockDiag diag, SocketDestroyFeed? feed, List<SocketEntry>? destroyed, ConnectionTracker tracker, SocketOwners owners, ITelemetrySink sink, bool baseline)
    {
        // Thread CPU time, not wall time: a poll runs synchronously on one thread, and on a busy
        // host wall time would count other threads' turns on the CPU.
        long start = Interop.LibC.ThreadCpuNanoseconds();

        // Destroys first, then the dump: a socket freed in between is remembered as departed.
        destroyed?.Clear();
        if (destroyed is not null)
        {
            feed!.Drain(destroyed);
            Interlocked.Exchange(ref _destroyOverruns, feed.Overruns);
        }

        IReadOnlyList<NewConnection> fresh = tracker.Poll(diag, owners, baseline, destroyed);
        Interlocked.Increment(ref _polls);
        foreach (NewConnection c in fresh)
        {
            bool accepted = sink.Publish(ToEvent(c, owners), EventPriority.Low);
            Interlocked.Increment(ref accepted ? ref _published : ref _shed);
        }

        Interlocked.Exchange(ref _ownerScans, owners.Scans);
        Interlocked.Exchange(ref _targetedScans, owners.TargetedScans);
        Interlocked.Add(ref _pollCpuNs, Interop.LibC.ThreadCpuNanoseconds() - start);
    }

    private FlatEvent ToEvent(in NewConnection c, SocketOwners owners)
    {
        SocketEntry s = c.Socket;
        var e = new FlatEvent { Source = Source, Timestamp = DateTimeOffset.UtcNow };
        if (c.ProcessId > 0)
        {
            e.Set("ProcessId", c.ProcessId.ToString(CultureInfo.InvariantCulture));
            if (owners.ImageOf(c.ProcessId) is { } image)
            {
                e.Set("Image", image);
            }

            e.Set("User", _users.Lookup(s.Uid));
        }
        else
        {
            Interlocked.Increment(ref _unattributed);
        }

        e.Set("Protocol", SocketText.Protocol(s.Protocol));
        e.Set("Initiated", c.Initiated ? "true" : "false");

        // Source is the side that initiated, as in Sysmon: for an accepted connection the remote
        // peer is the source and our listening port the destination port.
        (UInt128 srcAddr, ushort srcPort, UInt128 dstAddr, ushort dstPort) = c.Initiated
            ? (s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort)
            : (s.RemoteAddress, s.RemotePort, s.LocalAddress, s.LocalPort);
        e.Set("SourceIp", SocketText.Address(s.Family, srcAddr).ToString());
        e.Set("SourceIsIpv6", SocketText.IsIpv6(s.Family, srcAddr) ? "true" : "false");
        e.Set("SourcePort", srcPort.ToString(CultureInfo.InvariantCulture));
        e.Set("DestinationIp", SocketText.Address(s.Family, dstAddr).ToString());
        e.Set("DestinationIsIpv6", SocketText.IsIpv6(s.Family, dstAddr) ? "true" : "false");
        e.Set("DestinationPort", dstPort.ToString(CultureInfo.InvariantCulture));

        // DestinationHostname is left out: no reverse lookup on the event path (a DNS query per
        // connection would cost more than the event and leak what the host talks to).
        return e;
    }

    private Exception Unavailable(CollectorUnavailableException ex)
    {
        _started.TrySetException(ex);
        return ex;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "sock_diag destroy multicast refused (kernel or capability); ended connections come from TIME_WAIT dumps")]
    private static partial void LogNoDestroyFeed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sock_diag poll failed; retrying at the next interval")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
