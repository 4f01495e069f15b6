using System.Buffers;
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

    private static EventJson Writer => t_writer ??= new EventJson();

    public static string Encode(IReadOnlyList<EventField> fields) => Writer.Write(fields);

    /// <summary>Every event's fields of a batch, as UTF-8 in one pooled buffer (dispose it after the commit).</summary>
    public static EncodedFields EncodeAll(IReadOnlyList<TelemetryEvent> events)
    {
        EventJson writer = Writer;
        writer.Clear();
        int[] ends = new int[events.Count];
        for (int i = 0; i < ends.Length; i++)
        {
            ends[i] = writer.Append(events[i].Fields);
        }

        return new EncodedFields(writer.Written, ends);
    }
}

/// <summary>
/// A batch's field JSON as UTF-8, back to back in one rented buffer: bound as SQLite text as it is,
/// where a string per event cost a UTF-16 copy and Microsoft.Data.Sqlite's UTF-8 copy of it again.
/// </summary>
public sealed class EncodedFields : IDisposable
{
    private readonly int[] _ends;
    private byte[]? _buffer;

    internal EncodedFields(ReadOnlySpan<byte> written, int[] ends)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(written.Length, 1));
        written.CopyTo(_buffer);
        _ends = ends;
    }

    public int Count => _ends.Length;

    /// <summary>The UTF-8 JSON object of event <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            int start = index == 0 ? 0 : _ends[index - 1];
            return _buffer.AsSpan(start, _ends[index] - start);
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
