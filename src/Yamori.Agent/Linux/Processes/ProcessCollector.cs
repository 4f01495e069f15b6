using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// Process starts (and optionally exits) from the kernel's netlink process connector, with
/// attributes read from /proc at once. Two stages: a dedicated receive thread that drains the
/// socket and reads /proc before short-lived processes vanish, and a worker that hashes
/// executables, resolves user names and publishes. Needs root (CAP_NET_ADMIN).
/// </summary>
public sealed partial class ProcessCollector : ICollector
{
    private readonly ProcessCollectorOptions _options;
    private readonly ILogger _logger;
    private readonly UserNames _users;
    private readonly ExecutableHasher _hasher;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _overruns;
    private long _dropped;
    private long _published;
    private long _shed;
    private long _procGone;
    private long _truncated;

    public ProcessCollector(ProcessCollectorOptions? options = null, ILogger<ProcessCollector>? logger = null, UserNames? users = null)
    {
        _options = options ?? new ProcessCollectorOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _users = users ?? UserNames.Shared;
        _hasher = new ExecutableHasher(_options.MaxHashBytes);
    }

    public string Name => "process";

    /// <summary>
    /// Test seam: runs on the receive thread after an exec event arrives and before /proc is read,
    /// so a test can let the process exit first (the short-lived path) with real processes.
    /// </summary>
    internal Action<int>? BeforeCapture { get; set; }

    /// <summary>Completes once the kernel subscription is in place (events from then on are seen); faults if it failed.</summary>
    public Task Started => _started.Task;

    /// <summary>Times the kernel's socket buffer overflowed (ENOBUFS): an unknown number of events was lost each time.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>Images of recent execs by pid (the file collector's fallback for processes already gone).</summary>
    public RecentImages Recent { get; } = new();

    /// <summary>Captured records dropped because the publishing queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events the sink accepted.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Events the sink shed (it counted them too).</summary>
    public long Shed => Interlocked.Read(ref _shed);

    /// <summary>Execs whose /proc entry had gone before it could be read (published with the kernel's data only).</summary>
    public long ProcGone => Interlocked.Read(ref _procGone);

    /// <summary>Command lines cut at <see cref="ProcessCollectorOptions.MaxCommandLineBytes"/>.</summary>
    public long TruncatedCommandLines => Interlocked.Read(ref _truncated);

    /// <summary>Executables not hashed because of their size.</summary>
    public long UnhashedLargeExecutables => _hasher.SkippedTooLarge;

    public async Task RunAsync(ITelemetrySink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!OperatingSystem.IsLinux())
        {
            throw Unavailable(new CollectorUnavailableException("the process connector exists on Linux only"));
        }

        ProcConnector connector;
        try
        {
            connector = new ProcConnector(_options.ReceiveBufferBytes);
        }
        catch (CollectorUnavailableException ex)
        {
            throw Unavailable(new CollectorUnavailableException("cannot subscribe to the kernel process connector (needs root / CAP_NET_ADMIN): " + ex.Message, ex));
        }

        if (!connector.ReceiveBufferForced)
        {
            LogBufferNotForced(_logger, _options.ReceiveBufferBytes);
        }

        // Two dedicated threads and a non-spinning queue rather than a Channel drained on the thread
        // pool: at a thousand execs a second the pool's workers spun in sched_yield between items
        // and cost more CPU than the collector's own work (measured with perf under agent-burst).
        using var queue = new RecordQueue(_options.QueueCapacity);
        AuditExecFeed? audit = OpenAuditFeed();
        using (connector)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Exception? receiveFailure = null;
            using var stopReceiver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receiver = new Thread(() => receiveFailure = ReceiveLoop(connector, queue, stopReceiver.Token))
            {
                IsBackground = true,
                Name = "yamori-proc-recv",
            };
            var publisher = new Thread(() => PublishLoop(queue, sink, audit, done))
            {
                IsBackground = true,
                Name = "yamori-proc-publish",
            };
            publisher.Start();
            receiver.Start();
            _started.TrySetResult();

            try
            {
                // The publisher finishes once the receiver has completed the queue and it is drained.
                await done.Task.ConfigureAwait(false);
            }
            finally
            {
                // A failed sink stops the receiver too (it notices within its 250 ms receive timeout).
                await stopReceiver.CancelAsync().ConfigureAwait(false);
                receiver.Join();
                CloseAuditFeed(audit);
            }

            if (receiveFailure is not null)
            {
                throw new CollectorUnavailableException("the process connector failed: " + receiveFailure.Message, receiveFailure);
            }
        }
    }

    private Exception Unavailable(CollectorUnavailableException ex)
    {
        _started.TrySetException(ex);
        return ex;
    }

    private Exception? ReceiveLoop(ProcConnector connector, RecordQueue queue, CancellationToken cancellationToken)
    {
        try
        {
            // One buffer for the collector's life; proc connector datagrams are < 100 bytes, but a
            // larger buffer costs nothing and tolerates future layouts.
            byte[] buffer = new byte[8192];
            SetReceiveThreadPriority();

            var table = new ProcessTable();
            var capture = new ProcessCapture(_options.MaxCommandLineBytes, _hasher);
            var clock = new KernelClock();
            while (!cancellationToken.IsCancellationRequested)
            {
                int n = connector.Receive(buffer);
                if (n < 0)
                {
                    long total = Interlocked.Increment(ref _overruns);
                    LogOverrun(_logger, total);
                    continue;
                }

                // Every proc_event is at least its header plus a 24-byte union member (exit, comm);
                // anything shorter, or from another connector, is not ours.
                if (n >= ProcConnector.DataOffset + 24 && ProcConnector.IsProcEvent(buffer))
                {
                    Handle(buffer.AsSpan(0, n), table, capture, clock, queue);
                }
            }
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            queue.CompleteAdding();
        }

        return null;
    }

    private unsafe void SetReceiveThreadPriority()
    {
        int tid = Interop.LibC.gettid();
        if (_options.ReceiveThreadRealtimePriority is int rt)
        {
            if (Interop.LibC.sched_setscheduler(tid, Interop.LibC.SCHED_RR, &rt) == 0)
            {
                return;
            }

            LogPriorityRefused(_logger, "SCHED_RR " + rt, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        }

        if (_options.ReceiveThreadNice is int nice
            && Interop.LibC.setpriority(Interop.LibC.PRIO_PROCESS, (uint)tid, nice) != 0)
        {
            LogPriorityRefused(_logger, "nice " + nice, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        }
    }

    private void Handle(ReadOnlySpan<byte> message, ProcessTable table, ProcessCapture capture, KernelClock clock, RecordQueue queue)
    {
        ReadOnlySpan<byte> ev = message[ProcConnector.EventOffset..];
        uint what = BinaryPrimitives.ReadUInt32LittleEndian(ev);
        ReadOnlySpan<byte> data = message[ProcConnector.DataOffset..];
        switch (what)
        {
            case ProcEventKind.Fork:
            {
                // parent_pid, parent_tgid, child_pid, child_tgid; a thread has child_pid != child_tgid.
                int parentTgid = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
                int childPid = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
                int childTgid = BinaryPrimitives.ReadInt32LittleEndian(data[12..]);
                if (childPid == childTgid)
                {
                    table.OnFork(parentTgid, childTgid);
                }

                break;
            }

            case ProcEventKind.Exec:
            {
                int tgid = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
                var record = new ProcessRecord
                {
                    ProcessId = tgid,
                    Timestamp = clock.ToWallClock(BinaryPrimitives.ReadUInt64LittleEndian(ev[8..])),
                };
                BeforeCapture?.Invoke(tgid);
                capture.Fill(record, table);
                if (record.ProcGone)
                {
                    Interlocked.Increment(ref _procGone);
                }

                if (capture.LastCommandLineTruncated)
                {
                    Interlocked.Increment(ref _truncated);
                }

                record.CapturedTicks = Stopwatch.GetTimestamp();

                Enqueue(queue, record);
                break;
            }

            case ProcEventKind.Comm:
            {
                int pid = BinaryPrimitives.ReadInt32LittleEndian(data);
                int tgid = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
                if (pid == tgid)
                {
                    ReadOnlySpan<byte> comm = data.Slice(8, 16);
                    int end = comm.IndexOf((byte)0);
                    table.OnComm(tgid, System.Text.Encoding.UTF8.GetString(end < 0 ? comm : comm[..end]));
                }

                break;
            }

            case ProcEventKind.Exit:
            {
                int pid = BinaryPrimitives.ReadInt32LittleEndian(data);
                int tgid = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
                if (pid != tgid)
                {
                    break;
                }

                if (_options.EmitTerminations)
                {
                    table.TryGet(tgid, out string? image, out _, out string? comm);
                    Enqueue(queue, new ProcessRecord
                    {
                        IsExit = true,
                        ProcessId = tgid,
                        ParentProcessId = BinaryPrimitives.ReadInt32LittleEndian(data[20..]),
                        Image = image,
                        Comm = comm,
                        ExitCode = ExitStatus(BinaryPrimitives.ReadInt32LittleEndian(data[8..])),
                        Timestamp = clock.ToWallClock(BinaryPrimitives.ReadUInt64LittleEndian(ev[8..])),
                    });
                }

                table.OnExit(tgid);
                break;
            }

            default:
                break;
        }
    }

    /// <summary>exit_code is a wait status; shells report death by signal N as 128 + N, and so do we.</summary>
    private static int ExitStatus(int waitStatus) =>
        (waitStatus & 0x7f) == 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f);

    private void Enqueue(RecordQueue queue, ProcessRecord record)
    {
        if (!queue.TryAdd(record))
        {
            record.ExeToHash?.Dispose();
            Interlocked.Increment(ref _dropped);
        }
    }

    private void PublishLoop(RecordQueue queue, ITelemetrySink sink, AuditExecFeed? audit, TaskCompletionSource done)
    {
        try
        {
            // To completion: the receive loop completes the queue on cancellation or failure, so
            // everything captured before then is still published.
            foreach (ProcessRecord record in queue.Consume())
            {
                if (!record.IsExit)
                {
                    CompleteFromAudit(record, audit);
                }

                if (!record.IsExit && record.Image is { } image)
                {
                    Recent.Remember(record.ProcessId, image);
                }

                bool accepted = record.IsExit
                    ? sink.Publish(ProcessEvents.Termination(record), EventPriority.Low)
                    : sink.Publish(ProcessEvents.Creation(record, _hasher, _users), EventPriority.Normal);
                Interlocked.Increment(ref accepted ? ref _published : ref _shed);
            }

            done.TrySetResult();
        }
        catch (Exception ex)
        {
            done.TrySetException(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Process connector overrun #{Total}: the kernel dropped exec events (socket buffer full)")]
    private static partial void LogOverrun(ILogger logger, long total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not set the receive thread's priority ({Priority}, errno {Errno}); short-lived processes may exit before /proc is read")]
    private static partial void LogPriorityRefused(ILogger logger, string priority, int errno);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SO_RCVBUFFORCE refused; the process connector buffer is capped by net.core.rmem_max instead of {Bytes} bytes")]
    private static partial void LogBufferNotForced(ILogger logger, int bytes);

    /// <summary>
    /// The connector stamps events with CLOCK_MONOTONIC nanoseconds; Stopwatch reads the same clock
    /// on Linux, so wall time is the kernel stamp plus an offset refreshed every second (NTP steps).
    /// </summary>
    private sealed class KernelClock
    {
        private long _offsetNs;
        private long _refreshedAt;
        private bool _initialized;

        public DateTimeOffset ToWallClock(ulong monotonicNs)
        {
            long now = Stopwatch.GetTimestamp();
            if (!_initialized || now - _refreshedAt > Stopwatch.Frequency)
            {
                long monoNs = (long)(now * (1_000_000_000.0 / Stopwatch.Frequency));
                long wallNs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
                _offsetNs = wallNs - monoNs;
                _refreshedAt = now;
                _initialized = true;
            }

            long unixNs = (long)monotonicNs + _offsetNs;
            return new DateTimeOffset(DateTime.UnixEpoch.Ticks + (unixNs / 100), TimeSpan.Zero);
        }
    }
}
