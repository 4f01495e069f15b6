using Yamori.Sigma.Events;

namespace Yamori.Agent.Telemetry;

/// <summary>
/// Where collectors put what they observe. An event is a <see cref="FlatEvent"/> in Sigma's
/// vocabulary (field names of SigmaHQ's taxonomy, <see cref="FlatEvent.Source"/> set to the
/// logsource, <see cref="FlatEvent.Timestamp"/> to when it happened on the host), so the local
/// engine, the spool and the cloud need no per-collector translation. The sink takes ownership:
/// a collector must not touch the event after publishing it.
/// </summary>
public interface ITelemetrySink
{
    /// <summary>
    /// Hands one event over. Returns false when the event was shed (resource governor), which the
    /// sink has already counted; collectors use it to back off, never to retry.
    /// </summary>
    bool Publish(FlatEvent telemetry, EventPriority priority);
}
