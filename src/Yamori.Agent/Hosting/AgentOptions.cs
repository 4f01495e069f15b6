using Yamori.Agent.Spool;

namespace Yamori.Agent.Hosting;

/// <summary>
/// How the agent runs. Read from <c>agent.json</c> in the data directory (written by
/// <c>enroll</c>, editable by the town's IT officer), then overridden by the command line.
/// </summary>
public sealed record AgentOptions
{
    /// <summary>Identity, spool, state files. Owner-only.</summary>
    public required string DataDirectory { get; init; }

    public long SpoolMaxBytes { get; init; } = 1L << 30;

    public FsyncPolicy SpoolFsync { get; init; } = FsyncPolicy.Interval;

    /// <summary>Directories the file collector watches (recursively).</summary>
    public IReadOnlyList<string> WatchPaths { get; init; } = ["/etc", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/tmp", "/var/tmp", "/root/.ssh"];

    /// <summary>Collectors to run ("process", "network", "file", "logon"); empty runs all this host supports.</summary>
    public IReadOnlyList<string> Collectors { get; init; } = [];

    /// <summary>
    /// Whether the process collector takes the command line of a process gone before /proc was
    /// read from the kernel's audit records (Linux): by default only where auditing is already on.
    /// </summary>
    public Linux.Processes.AuditFallbackMode AuditFallback { get; init; } = Linux.Processes.AuditFallbackMode.WhenAuditEnabled;

    /// <summary>
    /// Time between the network collector's socket-table dumps. Each dump walks the kernel's whole
    /// TCP hash, TIME_WAIT remnants included, so its cost grows with the host's connection rate;
    /// a longer interval costs less and sees fewer short connections while they are open.
    /// </summary>
    public TimeSpan NetworkPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Sigma rules the agent evaluates itself (a subset: the cloud runs every rule anyway); empty disables local detection.</summary>
    public IReadOnlyList<string> LocalRules { get; init; } = [];

    /// <summary>The agent's own CPU budget in percent of one core, averaged over a few seconds.</summary>
    public double CpuBudgetPercent { get; init; } = 25;

    /// <summary>The agent's own memory budget (resident set).</summary>
    public long MemoryBudgetBytes { get; init; } = 512L << 20;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a batch may wait for more events before it is cut (latency versus batch size).</summary>
    public TimeSpan BatchLinger { get; init; } = TimeSpan.FromMilliseconds(200);

    public int BatchMaxEvents { get; init; } = 1000;

    public int BatchMaxBytes { get; init; } = 1 << 20;

    /// <summary>Reconnect backoff: first delay and cap (jittered exponential in between).</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromMinutes(2);

    public string IdentityDirectory => Path.Combine(DataDirectory, "identity");

    public string SpoolDirectory => Path.Combine(DataDirectory, "spool");

    public string StateDirectory => Path.Combine(DataDirectory, "state");
}
