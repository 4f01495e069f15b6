using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Yamori.Agent.Linux.Interop;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// The kernel's own record of every exec, from the audit subsystem: its EXECVE record carries argv
/// even when the process is gone before /proc/&lt;pid&gt;/cmdline can be read. Read as a listener
/// of the READLOG multicast group (kernel 3.16+, CAP_AUDIT_READ), which leaves a running auditd's
/// unicast feed alone. Records exist only under an execve rule, so the feed adds
/// <c>-a always,exit -F arch=b64|b32 -S execve -S execveat -k yamori</c> and removes exactly those
/// rules on dispose (never anyone else's; an identical rule already present is left in place).
/// A disabled audit subsystem is enabled only when <see cref="AuditFeedOptions.EnableAudit"/> says so,
/// and disabled again on dispose if no audit daemon has registered since.
/// </summary>
public sealed class AuditExecFeed : IDisposable
{
    private static readonly object RulesGate = new();
    private static int s_users;
    private static bool[]? s_ownedRules;
    private static bool s_enabledByUs;

    private readonly SafeFd _fd;
    private readonly AuditRecordAssembler _assembler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _records;
    private long _overruns;
    private int _disposed;

    private AuditExecFeed(SafeFd fd, AuditFeedOptions options)
    {
        _fd = fd;
        _assembler = new AuditRecordAssembler(Completed, options.MaxCommandLineBytes);
        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "yamori-audit-recv" };
    }

    /// <summary>Called on the feed's thread for every exec (tests, the bench); keep it short.</summary>
    public Action<AuditExec>? Observer { get; set; }

    /// <summary>Test seam: every record's type and text as received, on the feed's thread (to keep real samples).</summary>
    internal Action<ushort, string>? RawObserver { get; set; }

    /// <summary>Audit records received (all types, ours or not).</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Execs assembled.</summary>
    public long Execs => _assembler.Completed;

    /// <summary>Times this socket's buffer overflowed (ENOBUFS): records were lost for this listener only.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>Exec events closed without their EOE record.</summary>
    public long WithoutEoe => _assembler.WithoutEoe;

    /// <summary>Records that could not be read.</summary>
    public long Malformed => _assembler.Malformed;

    /// <summary>Audit state when the feed opened.</summary>
    public AuditStatus? StatusAtOpen { get; private set; }

    /// <summary>Whether this process enabled the audit subsystem (it was off and the options allowed it).</summary>
    public static bool EnabledByThisProcess
    {
        get
        {
            lock (RulesGate)
            {
                return s_enabledByUs;
            }
        }
    }

    internal AuditExecLookup Lookup { get; } = new();

    /// <summary>
    /// Subscribes, ensures the execve rules and starts the receive thread. Throws
    /// <see cref="CollectorUnavailableException"/> naming the reason: not Linux, no CAP_AUDIT_READ
    /// or CAP_AUDIT_CONTROL, audit disabled (and not allowed to enable it) or locked.
    /// </summary>
    public static AuditExecFeed Open(AuditFeedOptions? options = null)
    {
        options ??= new AuditFeedOptions();
        if (!OperatingSystem.IsLinux())
        {
            throw new CollectorUnavailableException("the audit subsystem exists on Linux only");
        }

        SafeFd fd = LibC.OpenNetlink(LibC.NETLINK_AUDIT);
        AuditExecFeed? feed = null;
        try
        {
            _ = LibC.SetReceiveBuffer(fd, options.ReceiveBufferBytes);
            try
            {
                LibC.BindNetlink(fd, 1u << ((int)LibC.AUDIT_NLGRP_READLOG - 1));
            }
            catch (CollectorUnavailableException ex)
            {
                throw new CollectorUnavailableException("cannot join the audit READLOG multicast group (needs CAP_AUDIT_READ, kernel 3.16+): " + ex.Message, ex);
            }

            LibC.SetReceiveTimeout(fd, TimeSpan.FromMilliseconds(100));
            feed = new AuditExecFeed(fd, options);
            feed.StatusAtOpen = Acquire(options);
            try
            {
                feed._thread.Start();
            }
            catch
            {
                Release();
                throw;
            }

            return feed;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _fd.Dispose();
        _stop.Dispose();
        Release();
    }

    /// <summary>First user in this process: enable if allowed, add the rules. Later users share them.</summary>
    private static AuditStatus Acquire(AuditFeedOptions options)
    {
        lock (RulesGate)
        {
            using var control = new AuditControl();
            AuditStatus status = control.GetStatus();
            if (status.Enabled == 0)
            {
                if (!options.EnableAudit)
                {
                    throw new CollectorUnavailableException("the audit subsystem is disabled (auditctl -s: enabled 0) and the agent may not enable it (ProcessCollectorOptions.AuditFallback = EnableAudit allows it)");
                }

                control.SetEnabled(true);
                s_enabledByUs = true;
            }

            if (s_users == 0)
            {
                IReadOnlyList<ExecRule> rules = AuditControl.ExecRules();
                bool[] owned = new bool[rules.Count];
                try
                {
                    for (int i = 0; i < rules.Count; i++)
                    {
                        owned[i] = control.AddRule(rules[i]);
                    }
                }
                catch (CollectorUnavailableException ex)
                {
                    DeleteOwned(control, rules, owned);
                    RestoreEnabled(control);
                    string locked = status.Enabled == 2 ? " (audit is locked: enabled 2, rules are immutable until reboot)" : "";
                    throw new CollectorUnavailableException("cannot add the audit execve rule" + locked + ": " + ex.Message, ex);
                }

                s_ownedRules = owned;
            }

            s_users++;
            return status;
        }
    }

    private static void Release()
    {
        lock (RulesGate)
        {
            if (--s_users > 0)
            {
                return;
            }

            try
            {
                using var control = new AuditControl();
                DeleteOwned(control, AuditControl.ExecRules(), s_ownedRules ?? []);
                RestoreEnabled(control);
            }
            catch (CollectorUnavailableException)
            {
                // The socket or a request failed at shutdown; nothing better to do than leave it.
            }

            s_ownedRules = null;
        }
    }

    private static void DeleteOwned(AuditControl control, IReadOnlyList<ExecRule> rules, bool[] owned)
    {
        for (int i = 0; i < owned.Length; i++)
        {
            if (owned[i])
            {
                control.DeleteRule(rules[i]);
                owned[i] = false;
            }
        }
    }

    private static void RestoreEnabled(AuditControl control)
    {
        // An auditd that registered meanwhile relies on auditing staying on.
        if (s_enabledByUs && control.GetStatus().DaemonPid == 0)
        {
            control.SetEnabled(false);
        }

        s_enabledByUs = false;
    }

    private void Completed(AuditExec exec)
    {
        Lookup.Add(exec);
        Observer?.Invoke(exec);
    }

    private void ReceiveLoop()
    {
        // One buffer for the feed's life, parsed in place (a record is at most ~9 KB): each exec is ~6
        // records, so a buffer or string per record would be steady GC churn under an exec burst.
        byte[] buffer = new byte[65536];
        long lastExpire = Stopwatch.GetTimestamp();
        long expireEvery = Stopwatch.Frequency / 10;
        while (!_stop.IsCancellationRequested)
        {
            int n = Receive(buffer);
            long now = Stopwatch.GetTimestamp();
            if (n > 0)
            {
                Parse(buffer.AsSpan(0, n), now);
            }

            if (now - lastExpire > expireEvery)
            {
                _assembler.Expire(now);
                lastExpire = now;
            }
        }
    }

    private void Parse(ReadOnlySpan<byte> data, long now)
    {
        // Multicast copies carry a correct nlmsg_len (unlike auditd's unicast feed); one record per datagram, but loop anyway.
        while (data.Length >= 16)
        {
            int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
            if (len < 16 || len > data.Length)
            {
                len = data.Length;
            }

            Interlocked.Increment(ref _records);
            RawObserver?.Invoke(type, System.Text.Encoding.UTF8.GetString(data[16..len]));
            _assembler.Add(type, data[16..len], now);
            data = data[Math.Min(data.Length, (len + 3) & ~3)..];
        }
    }

    private unsafe int Receive(byte[] buffer)
    {
        fixed (byte* p = buffer)
        {
            nint n = LibC.recv(_fd.Fd, p, buffer.Length, 0);
            if (n >= 0)
            {
                return (int)n;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.ENOBUFS)
            {
                Interlocked.Increment(ref _overruns);
            }

            return 0;
        }
    }
}

/// <summary>Settings of <see cref="AuditExecFeed"/>.</summary>
public sealed record AuditFeedOptions
{
    /// <summary>Enable the audit subsystem if it is off (it is then disabled again on dispose, unless an auditd registered meanwhile).</summary>
    public bool EnableAudit { get; init; }

    /// <summary>Kernel receive buffer (SO_RCVBUFFORCE): a burst of ~6 records per exec waits here while the feed parses.</summary>
    public int ReceiveBufferBytes { get; init; } = 32 * 1024 * 1024;

    public int MaxCommandLineBytes { get; init; } = 32 * 1024;
}
