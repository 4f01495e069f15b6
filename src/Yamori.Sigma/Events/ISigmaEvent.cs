namespace Yamori.Sigma.Events;

/// <summary>
/// What the engine reads from an event. Implementations expose fields by their Sigma name
/// (Windows <c>Event.System.*</c> flattened to <c>EventID</c>, <c>Channel</c>, <c>Provider_Name</c>…,
/// <c>Event.EventData.*</c> and <c>UserData</c> leaves by their own name; nested JSON by dotted path),
/// so EVTX records, JSON lines and agent telemetry all feed the same matcher without copying.
/// </summary>
public interface ISigmaEvent
{
    /// <summary>Looks a field up by its (already mapped) name. Must not allocate.</summary>
    bool TryGetField(string name, out FieldValue value);

    /// <summary>Number of fields, for keyword search across all values.</summary>
    int FieldCount { get; }

    /// <summary>The field at <paramref name="index"/> (0 ≤ index &lt; <see cref="FieldCount"/>).</summary>
    FieldValue GetFieldAt(int index, out string name);

    /// <summary>
    /// The event's log source as its producer declared it (agent telemetry, tagged JSON lines).
    /// Windows events leave this empty: their source is derived from <c>Channel</c> and <c>EventID</c>.
    /// </summary>
    LogSourceHint Source { get; }

    /// <summary>When the event happened, used by correlations and time windows; null when unknown.</summary>
    DateTimeOffset? Timestamp { get; }
}

/// <summary>A declared log source (Sigma product, category, service); any part may be null.</summary>
public readonly record struct LogSourceHint(string? Product, string? Category, string? Service)
{
    public bool IsEmpty => Product is null && Category is null && Service is null;
}
