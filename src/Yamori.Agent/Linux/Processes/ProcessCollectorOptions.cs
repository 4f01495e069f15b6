namespace Yamori.Agent.Linux.Processes;

/// <summary>Settings of <see cref="ProcessCollector"/>; the defaults suit a workstation or server.</summary>
public sealed record ProcessCollectorOptions
{
    /// <summary>
    /// Kernel receive buffer of the netlink socket (SO_RCVBUFFORCE). A burst of execs queues here
    /// while the loop reads /proc; when it overflows the kernel drops events (counted as overruns).
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Captured processes waiting to be hashed and published; beyond it records are dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 65_536;

    /// <summary>Command lines longer than this are cut (counted in <see cref="ProcessCollector.TruncatedCommandLines"/>).</summary>
    public int MaxCommandLineBytes { get; init; } = 32 * 1024;

    /// <summary>Executables larger than this are not hashed (the event still goes out, without Hashes).</summary>
    public long MaxHashBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// SCHED_RR priority (1…99) of the receive thread; null to leave it time-shared. The thread
    /// must read /proc within the lifetime of a short-lived process: on a busy host a time-shared
    /// thread wakes too late (agent-burst on a loaded 2-core VM: 62 % of 10,000 /bin/true execs
    /// with their command line at default priority, 91 % at nice -10, 99.8 % at SCHED_RR 1). The
    /// lowest real-time priority suffices; the thread sleeps in recv() and does a handful of
    /// syscalls per event, and the kernel's real-time throttling (sched_rt_runtime_us) bounds it.
    /// </summary>
    public int? ReceiveThreadRealtimePriority { get; init; } = 1;

    /// <summary>
    /// Nice value (-20…19) used instead when real-time scheduling is off or refused (no
    /// CAP_SYS_NICE, a container's limits); null leaves it alone.
    /// </summary>
    public int? ReceiveThreadNice { get; init; } = -10;

    /// <summary>
    /// The audit subsystem's EXECVE records as the command line of processes gone before /proc
    /// could be read (see <see cref="AuditExecFeed"/>). <see cref="AuditFallbackMode.WhenAuditEnabled"/>
    /// uses it only where auditing is already on; the agent then adds (and later removes) its own
    /// execve rule keyed "yamori".
    /// </summary>
    public AuditFallbackMode AuditFallback { get; init; } = AuditFallbackMode.WhenAuditEnabled;

    /// <summary>How long the publisher waits for the audit record of an exec without a command line.</summary>
    public TimeSpan AuditWait { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Also publish process exits (category process_termination, low priority).</summary>
    public bool EmitTerminations { get; init; }
}

/// <summary>Whether the process collector fills missing command lines from the audit subsystem.</summary>
public enum AuditFallbackMode
{
    /// <summary>Never: events of processes gone before /proc was read carry no command line.</summary>
    Off,

    /// <summary>When the audit subsystem is enabled (auditctl -s: enabled 1); otherwise reported unavailable and skipped.</summary>
    WhenAuditEnabled,

    /// <summary>Also enable a disabled audit subsystem (and disable it again on stop if no auditd registered meanwhile).</summary>
    EnableAudit,
}
