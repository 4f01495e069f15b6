namespace Yamori.Agent.Telemetry;

/// <summary>
/// How much an event is worth keeping when the spool is full: the spool drops the oldest
/// <see cref="Low"/> events first, then <see cref="Normal"/>, and <see cref="Alert"/> last. Alerts
/// also leave the spool first when the link returns.
/// </summary>
public enum EventPriority : byte
{
    /// <summary>High-volume context (network connections, file modifications).</summary>
    Low = 0,

    /// <summary>Process starts, logons, file creation in watched paths.</summary>
    Normal = 1,

    /// <summary>Local Sigma detections and the agent's own integrity events.</summary>
    Alert = 2,
}
