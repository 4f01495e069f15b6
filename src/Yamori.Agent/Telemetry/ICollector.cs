namespace Yamori.Agent.Telemetry;

/// <summary>
/// One source of telemetry (process starts, connections, file events, logons, a Windows channel).
/// Runs until cancelled; a collector that cannot start on this host (missing privilege, old
/// kernel) throws <see cref="CollectorUnavailableException"/> with the reason, and the agent keeps
/// the others running and reports it.
/// </summary>
public interface ICollector
{
    /// <summary>Short stable name for logs and heartbeats ("process", "network", "file", "logon").</summary>
    string Name { get; }

    Task RunAsync(ITelemetrySink sink, CancellationToken cancellationToken);
}

/// <summary>The collector cannot run here; the message says why (privilege, kernel feature, platform).</summary>
public sealed class CollectorUnavailableException : Exception
{
    public CollectorUnavailableException()
    {
    }

    public CollectorUnavailableException(string message)
        : base(message)
    {
    }

    public CollectorUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
