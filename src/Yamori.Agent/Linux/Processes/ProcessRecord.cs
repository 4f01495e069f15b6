using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// One process start (or exit) as captured by the receive loop, handed to the publishing worker.
/// Fields are null when /proc had already gone and the kernel's events did not say.
/// </summary>
internal sealed class ProcessRecord
{
    public bool IsExit { get; init; }

    public int ProcessId { get; init; }

    public int ParentProcessId { get; set; } = -1;

    public DateTimeOffset Timestamp { get; init; }

    public string? Image { get; set; }

    public string? CommandLine { get; set; }

    public string? CurrentDirectory { get; set; }

    public uint? Uid { get; set; }

    public uint? LoginUid { get; set; }

    public string? ParentImage { get; set; }

    public string? ParentCommandLine { get; set; }

    /// <summary>The kernel's task name (PROC_EVENT_COMM), the only name left when /proc has gone.</summary>
    public string? Comm { get; set; }

    public string? Hashes { get; set; }

    /// <summary>An open descriptor of the executable still to hash (hash cache miss); the worker closes it.</summary>
    public SafeFd? ExeToHash { get; set; }

    public FileIdentity ExeIdentity { get; set; }

    /// <summary>/proc/&lt;pid&gt; had gone before anything could be read.</summary>
    public bool ProcGone { get; set; }

    public int ExitCode { get; init; }

    /// <summary>Stopwatch ticks when the receive loop captured it: the audit fallback waits a bounded time from here.</summary>
    public long CapturedTicks { get; set; }
}
