using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Yamori.Evtx.Tests;

/// <summary>Reading and comparing the evtx_dump JSON twins.</summary>
internal static partial class JsonTwin
{
    /// <summary>The concatenated JSON objects of a twin file, in order.</summary>
    public static List<JsonNode> ReadAll(string path)
    {
        byte[] utf8 = File.ReadAllBytes(path);
        var nodes = new List<JsonNode>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            nodes.Add(JsonNode.Parse(ref reader)!);
        }

        return nodes;
    }

    /// <summary>
    /// Rewrites values whose formatting differs between decoders only by convention, so the
    /// comparison is about content:
    /// <list type="bullet">
    /// <item>timestamps: decoders print 6, 7 or 9 fractional digits of the same FILETIME; compared at microseconds
    /// (the precision evtx_dump keeps);</item>
    /// <item>0x hex: case and zero padding vary (libevtx pads to the type width); compared as numbers;</item>
    /// <item>GUIDs: case and braces vary; compared upper-case without braces;</item>
    /// <item>numbers: compared by value, whatever the JSON spelling (1e3 vs 1000).</item>
    /// </list>
    /// </summary>
    public static JsonNode? Normalize(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => NormalizeObject(o),
        JsonArray a => new JsonArray([.. a.Select(Normalize)]),
        JsonValue v => NormalizeValue(v),
        _ => node.DeepClone(),
    };

    private static JsonObject NormalizeObject(JsonObject o)
    {
        var copy = new JsonObject();
        foreach (KeyValuePair<string, JsonNode?> p in o)
        {
            copy[p.Key] = Normalize(p.Value);
        }

        return copy;
    }

    private static JsonNode NormalizeValue(JsonValue v)
    {
        if (v.GetValueKind() == JsonValueKind.Number)
        {
            return JsonValue.Create(decimal.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
        }

        if (v.GetValueKind() != JsonValueKind.String)
        {
            return v.DeepClone();
        }

        return JsonValue.Create(NormalizeText(v.GetValue<string>()));
    }

    public static string NormalizeText(string s)
    {
        Match m = TimestampPattern().Match(s);
        if (m.Success)
        {
            string frac = (m.Groups[2].Value + "000000")[..6];
            return m.Groups[1].Value + "." + frac + "Z";
        }

        m = HexPattern().Match(s);
        if (m.Success && ulong.TryParse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong hex))
        {
            return "0x" + hex.ToString("x", CultureInfo.InvariantCulture);
        }

        m = GuidPattern().Match(s);
        if (m.Success)
        {
            return m.Groups[1].Value.ToUpperInvariant();
        }

        return s;
    }

    /// <summary>First difference between two JSON trees (objects compared in order), or null when equal.</summary>
    public static string? Diff(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected, actual)
        {
            case (null, null):
                return null;
            case (JsonObject e, JsonObject a):
                var ek = e.Select(p => p.Key).ToList();
                var ak = a.Select(p => p.Key).ToList();
                if (!ek.SequenceEqual(ak))
                {
                    return $"{path}: keys [{string.Join(",", ek)}] vs [{string.Join(",", ak)}]";
                }

                foreach (string k in ek)
                {
                    string? d = Diff(e[k], a[k], path + "." + k);
                    if (d is not null)
                    {
                        return d;
                    }
                }

                return null;
            case (JsonArray e, JsonArray a):
                if (e.Count != a.Count)
                {
                    return $"{path}: {e.Count} items vs {a.Count}";
                }

                for (int i = 0; i < e.Count; i++)
                {
                    string? d = Diff(e[i], a[i], $"{path}[{i}]");
                    if (d is not null)
                    {
                        return d;
                    }
                }

                return null;
            default:
                string es = expected?.ToJsonString() ?? "null";
                string @as = actual?.ToJsonString() ?? "null";
                return es == @as ? null : $"{path}: expected {Trim(es)} got {Trim(@as)}";
        }
    }

    private static string Trim(string s) => s.Length > 120 ? s[..120] + "…" : s;

    /// <summary>Every field (name, kind, value) and the timestamp, one per line, for exact comparison.</summary>
    public static string Describe(Yamori.Sigma.Events.FlatEvent e, bool normalize = false)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < e.FieldCount; i++)
        {
            Yamori.Sigma.Events.FieldValue v = e.GetFieldAt(i, out string name);
            string text = v.ToString();
            sb.Append(name).Append('=').Append(v.Kind).Append(':').Append(normalize ? NormalizeText(text) : text).Append('\n');
        }

        long? ticks = e.Timestamp?.UtcTicks;
        if (normalize && ticks is not null)
        {
            ticks -= ticks % 10; // microseconds, as above
        }

        sb.Append("@timestamp=").Append(ticks?.ToString(CultureInfo.InvariantCulture) ?? "none");
        return sb.ToString();
    }

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"^0[xX]([0-9a-fA-F]{1,16})$")]
    private static partial Regex HexPattern();

    [GeneratedRegex(@"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")]
    private static partial Regex GuidPattern();
}
