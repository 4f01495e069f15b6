using Yamori.Cloud.Storage.Sqlite;

namespace Yamori.Cloud.Events;

/// <summary>
/// The stored encoding of an event's fields (one JSON object per event, see EventJson), callable
/// from any thread: each thread reuses its own writer and buffer.
/// </summary>
public static class FieldsJson
{
    [ThreadStatic]
    private static EventJson? t_writer;

    public static string Encode(IReadOnlyList<EventField> fields) => (t_writer ??= new EventJson()).Write(fields);

    /// <summary>Every event's fields of a batch.</summary>
    public static string[] EncodeAll(IReadOnlyList<TelemetryEvent> events)
    {
        var encoded = new string[events.Count];
        for (int i = 0; i < encoded.Length; i++)
        {
            encoded[i] = Encode(events[i].Fields);
        }

        return encoded;
    }
}
