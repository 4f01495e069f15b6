using System.Globalization;
using System.Text.Json;

namespace Yamori.Sigma.Events;

/// <summary>
/// Turns JSON into <see cref="FlatEvent"/>s. Windows events rendered as JSON (the shape of
/// evtx_dump and of SigmaHQ's regression twins: <c>{"Event":{"System":…,"EventData":…}}</c>) are
/// flattened to Sigma's Windows field names; any other JSON is flattened to dotted paths.
/// </summary>
public static class JsonEventReader
{
    /// <summary>Reads a stream of concatenated JSON objects or JSON Lines.</summary>
    public static IEnumerable<FlatEvent> ReadAll(Stream stream, string? referencePrefix = null)
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ReadAll(ms.ToArray(), referencePrefix);
    }

    /// <summary>
    /// Reads concatenated JSON objects (also JSON Lines) from UTF-8 bytes, lazily: events before a
    /// syntax error are returned, then a <see cref="FormatException"/> names where the error is.
    /// </summary>
    public static IEnumerable<FlatEvent> ReadAll(byte[] utf8, string? referencePrefix = null)
    {
        int offset = 0;
        int n = 0;
        while (true)
        {
            JsonDocument? doc = Next(utf8, ref offset);
            if (doc is null)
            {
                yield break;
            }

            using (doc)
            {
                n++;
                var e = new FlatEvent();
                Fill(e, doc.RootElement);
                e.Reference ??= referencePrefix is null ? null : referencePrefix + "#" + n.ToString(CultureInfo.InvariantCulture);
                yield return e;
            }
        }
    }

    /// <summary>Parses the next top-level value at <paramref name="offset"/>; null at the end of input.</summary>
    private static JsonDocument? Next(byte[] utf8, ref int offset)
    {
        // A fresh reader per value keeps the iterator free of ref-struct state across yields.
        var reader = new Utf8JsonReader(utf8.AsSpan(offset), new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read())
            {
                return null;
            }

            JsonDocument doc = JsonDocument.ParseValue(ref reader);
            offset += (int)reader.BytesConsumed;
            return doc;
        }
        catch (JsonException ex)
        {
            // Name the line where the broken value starts: that is where an analyst looks.
            int start = offset;
            while (start < utf8.Length && utf8[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                start++;
            }

            int line = 1 + utf8.AsSpan(0, start).Count((byte)'\n');
            throw new FormatException($"invalid JSON in the value starting at line {line}: {ex.Message}", ex);
        }
    }

    /// <summary>Parses one JSON object.</summary>
    public static FlatEvent Parse(string json)
    {
        using JsonDocument d = JsonDocument.Parse(json);
        var e = new FlatEvent();
        Fill(e, d.RootElement);
        return e;
    }

    /// <summary>Fills <paramref name="target"/> from a JSON object (Windows-shaped or generic).</summary>
    public static void Fill(FlatEvent target, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"an event must be a JSON object, not {root.ValueKind}");
        }

        if (root.TryGetProperty("Event", out JsonElement ev) && ev.ValueKind == JsonValueKind.Object &&
            ev.TryGetProperty("System", out JsonElement sys) && sys.ValueKind == JsonValueKind.Object)
        {
            FillWindows(target, ev, sys);
            return;
        }

        FlattenGeneric(target, root, prefix: null);
        ReadDeclaredSource(target, root);
        ReadTimestamp(target);
    }

    private static void FillWindows(FlatEvent target, JsonElement ev, JsonElement sys)
    {
        foreach (JsonProperty p in sys.EnumerateObject())
        {
            JsonElement v = p.Value;
            if (v.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty inner in v.EnumerateObject())
                {
                    if (inner.NameEquals("#attributes") && inner.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (JsonProperty attr in inner.Value.EnumerateObject())
                        {
                            target.Set(p.Name + "_" + attr.Name, Scalar(attr.Value));
                        }
                    }
                    else if (inner.NameEquals("#text"))
                    {
                        target.Set(p.Name, Scalar(inner.Value));
                    }
                }
            }
            else
            {
                target.Set(p.Name, Scalar(v));
            }
        }

        foreach (JsonProperty section in ev.EnumerateObject())
        {
            if (section.NameEquals("System") || section.NameEquals("#attributes"))
            {
                continue;
            }

            // EventData fields keep their Data/@Name; UserData and other sections are flattened
            // to their leaf names, which is how SigmaHQ rules address them.
            FlattenLeaves(target, section.Value, section.Name);
        }

        if (target.TryGetField("TimeCreated_SystemTime", out FieldValue t) && t.Text is not null &&
            DateTimeOffset.TryParse(t.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset ts))
        {
            target.Timestamp = ts;
        }
    }

    private static void FlattenLeaves(FlatEvent target, JsonElement v, string name)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty p in v.EnumerateObject())
                {
                    if (p.NameEquals("#attributes"))
                    {
                        continue;
                    }

                    // "#text" carries the element's own value, named after the element.
                    FlattenLeaves(target, p.Value, p.NameEquals("#text") ? name : p.Name);
                }

                break;
            case JsonValueKind.Array:
                target.Set(name, ArrayValue(v));
                break;
            default:
                target.Set(name, Scalar(v));
                break;
        }
    }

    private static void FlattenGeneric(FlatEvent target, JsonElement v, string? prefix)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty p in v.EnumerateObject())
                {
                    FlattenGeneric(target, p.Value, prefix is null ? p.Name : prefix + "." + p.Name);
                }

                break;
            case JsonValueKind.Array:
                target.Set(prefix ?? "value", ArrayValue(v));
                break;
            default:
                target.Set(prefix ?? "value", Scalar(v));
                break;
        }
    }

    private static FieldValue ArrayValue(JsonElement v)
    {
        var items = new List<string>();
        foreach (JsonElement item in v.EnumerateArray())
        {
            FieldValue s = item.ValueKind is JsonValueKind.Object or JsonValueKind.Array
                ? FieldValue.FromString(item.GetRawText())
                : Scalar(item);
            if (s.Text is not null)
            {
                items.Add(s.Text);
            }
        }

        return new FieldValue([.. items]);
    }

    internal static FieldValue Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => FieldValue.FromString(v.GetString()!),
        JsonValueKind.Number => new FieldValue(FieldKind.Number, v.GetRawText()),
        JsonValueKind.True => new FieldValue(FieldKind.Boolean, "true"),
        JsonValueKind.False => new FieldValue(FieldKind.Boolean, "false"),
        JsonValueKind.Null or JsonValueKind.Undefined => FieldValue.Null,
        _ => FieldValue.FromString(v.GetRawText()),
    };

    private static void ReadDeclaredSource(FlatEvent target, JsonElement root)
    {
        // Producers may declare the Sigma log source of an event: {"logsource":{"product":"linux",…}}.
        if (root.TryGetProperty("logsource", out JsonElement ls) && ls.ValueKind == JsonValueKind.Object)
        {
            target.Source = new LogSourceHint(Str(ls, "product"), Str(ls, "category"), Str(ls, "service"));
        }
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static readonly string[] TimestampFields = ["@timestamp", "timestamp", "TimeCreated_SystemTime", "UtcTime", "eventTime", "time"];

    private static void ReadTimestamp(FlatEvent target)
    {
        foreach (string f in TimestampFields)
        {
            if (target.TryGetField(f, out FieldValue t) && t.Text is not null &&
                DateTimeOffset.TryParse(t.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset ts))
            {
                target.Timestamp = ts;
                return;
            }
        }
    }

}
