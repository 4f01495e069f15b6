using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Yamori.Cloud.Events;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// Fields as one JSON object per event (<c>{"Image":"C:\\…","ProcessId":4242}</c>), so SQLite's
/// <c>json_extract</c> and PostgreSQL's <c>jsonb</c> can query them by Sigma name. Types survive the
/// round trip: integers stay integers, doubles always carry a fraction or exponent.
/// </summary>
internal sealed class EventJson : IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Stored, never embedded in HTML: keep Japanese paths and user names readable and small.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    // Escaped, UTF-8 property names by string instance: names arrive shared (see FieldNames), so a
    // lookup by reference replaces escaping and transcoding the same name for every event.
    private const int MaxCachedNames = 4096;
    private readonly Dictionary<string, JsonEncodedText> _names = new(ReferenceEqualityComparer.Instance);
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    public EventJson() => _writer = new Utf8JsonWriter(_buffer, WriterOptions);

    /// <summary>Everything appended since <see cref="Clear"/>, as UTF-8.</summary>
    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    /// <summary>Serialises <paramref name="fields"/>; reuses one buffer, so one instance per thread.</summary>
    public string Write(IReadOnlyList<EventField> fields)
    {
        Clear();
        Append(fields);
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    public void Clear() => _buffer.ResetWrittenCount();

    /// <summary>Appends one JSON object after what is already written.</summary>
    /// <returns>The UTF-8 length written so far, i.e. where this object ends.</returns>
    public int Append(IReadOnlyList<EventField> fields)
    {
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        foreach (EventField field in fields)
        {
            _writer.WritePropertyName(EncodedName(field.Name));
            WriteValue(_writer, field.Value);
        }

        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    public void Dispose() => _writer.Dispose();

    private JsonEncodedText EncodedName(string name)
    {
        if (!_names.TryGetValue(name, out JsonEncodedText encoded))
        {
            encoded = JsonEncodedText.Encode(name, WriterOptions.Encoder);
            if (_names.Count == MaxCachedNames)
            {
                // Names that were not shared (each event its own strings) filled it: start over.
                _names.Clear();
            }

            _names[name] = encoded;
        }

        return encoded;
    }

    public static IReadOnlyList<EventField> Read(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        var fields = new List<EventField>();
        foreach (JsonProperty property in doc.RootElement.EnumerateObject())
        {
            fields.Add(new EventField(property.Name, ReadValue(property.Value)));
        }

        return fields;
    }

    private static void WriteValue(Utf8JsonWriter writer, EventValue value)
    {
        switch (value.Kind)
        {
            case EventValueKind.Null:
                writer.WriteNullValue();
                break;
            case EventValueKind.String:
                writer.WriteStringValue(value.AsString);
                break;
            case EventValueKind.Int64:
                writer.WriteNumberValue(value.AsInt64);
                break;
            case EventValueKind.Boolean:
                writer.WriteBooleanValue(value.AsBoolean);
                break;
            case EventValueKind.Double:
                double d = value.AsDouble;
                if (double.IsFinite(d))
                {
                    string text = d.ToString("R", CultureInfo.InvariantCulture);
                    writer.WriteRawValue(text.AsSpan().IndexOfAny('.', 'E') >= 0 ? text : text + ".0", skipInputValidation: true);
                }
                else
                {
                    // JSON has no NaN or infinity; keep the information as text.
                    writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case EventValueKind.StringList:
                writer.WriteStartArray();
                foreach (string item in value.Items)
                {
                    writer.WriteStringValue(item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(value), value.Kind, "unknown value kind");
        }
    }

    private static EventValue ReadValue(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return EventValue.Null;
            case JsonValueKind.String:
                return EventValue.From(element.GetString()!);
            case JsonValueKind.True:
                return EventValue.From(true);
            case JsonValueKind.False:
                return EventValue.From(false);
            case JsonValueKind.Number:
                string raw = element.GetRawText();
                return raw.AsSpan().IndexOfAny('.', 'E', 'e') < 0 && element.TryGetInt64(out long l)
                    ? EventValue.From(l)
                    : EventValue.From(element.GetDouble());
            case JsonValueKind.Array:
                string[] items = new string[element.GetArrayLength()];
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    items[i++] = item.GetString() ?? "";
                }

                return EventValue.From(items);
            default:
                throw new JsonException($"unexpected {element.ValueKind} in stored event fields");
        }
    }
}
