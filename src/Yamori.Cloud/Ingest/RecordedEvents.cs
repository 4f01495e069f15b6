using Yamori.Contracts;
using Yamori.Sigma.Events;
using Wire = Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// Recorded Windows events (EVTX or their JSON twins, read into the engine's <see cref="FlatEvent"/>)
/// as an agent ships them: product <c>windows</c>, every field by name, Channel and EventID
/// included so the cloud classifies them as the scanner does. Replays, the load bench and the
/// end-to-end tests send recorded attacks this way.
/// </summary>
public static class RecordedEvents
{
    /// <summary>The wire event for <paramref name="recorded"/>, stamped <paramref name="time"/> (when it is shipped).</summary>
    public static Wire.Event ToWire(FlatEvent recorded, DateTimeOffset time) => WireEvents.ToWire(recorded, time, "windows");
}
