namespace Yamori.Agent.Linux.Process;

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
    /// Nice value of the receive thread (-20…19; null leaves it alone). The thread must read /proc
    /// within the lifetime of a short-lived process, so on a busy host it should win the CPU over
    /// ordinary work; it sleeps in recv() otherwise, so a raised priority costs nothing when idle.
    /// </summary>
    public int? ReceiveThreadNice { get; init; } = -10;

    /// <summary>Also publish process exits (category process_termination, low priority).</summary>
    public bool EmitTerminations { get; init; }
}
