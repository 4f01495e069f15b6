using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Yamori.Evtx;
using Yamori.Evtx.Tests.Synthetic;
using Yamori.Sigma.Events;

namespace Yamori.Bench.ScanVsLibevtx;

/// <summary>
/// An event template as Windows writes it: the element tree once, with every value a substitution.
/// Each substitution knows the Sigma field it fills (<c>Image</c>, <c>TimeCreated_SystemTime</c>…),
/// so a record can be written with some fields replaced and the rest as recorded.
/// </summary>
internal sealed class RecordShape
{
    private int _overhead = -1;

    public RecordShape(BElement body, string?[] fieldNames, EvtxValueType[] types)
    {
        Body = body;
        FieldNames = fieldNames;
        Types = types;
    }

    /// <summary>The template body; one instance per shape, so a chunk defines it once and references it after.</summary>
    public BElement Body { get; }

    /// <summary>Per substitution index: the flat field name it fills, or null (not a field to vary).</summary>
    public string?[] FieldNames { get; }

    public EvtxValueType[] Types { get; }

    /// <summary>
    /// An upper bound of the record's size with these values: what the record takes in a fresh chunk
    /// (template definition and names written inline), less its value bytes, plus these values' bytes.
    /// </summary>
    public int SizeBound(BValue[] values)
    {
        if (_overhead < 0)
        {
            var scratch = new ChunkBuilder();
            int before = scratch.Position;
            scratch.AddRecord(1, new BTemplate(Body, values));
            _overhead = scratch.Position - before - ValueBytes(values);
        }

        return _overhead + ValueBytes(values);
    }

    private static int ValueBytes(BValue[] values)
    {
        int n = 0;
        foreach (BValue v in values)
        {
            n += v is BRaw r ? r.Data.Length : 0;
        }

        return n;
    }
}

/// <summary>A decoded regression record as a shape plus its recorded values and fields.</summary>
internal sealed record RecordSample(RecordShape Shape, BRaw[] Values, FlatEvent Flat, string Channel, int EventId);

/// <summary>Turns decoded records (and synthesized flat events) into <see cref="RecordShape"/>s, sharing equal shapes.</summary>
internal sealed class ShapeLibrary
{
    private readonly Dictionary<string, RecordShape> _shapes = new(StringComparer.Ordinal);

    public int Count => _shapes.Count;

    /// <summary>The record as a shape and values, or null when it holds a value type the writer cannot reproduce.</summary>
    public RecordSample? FromRecord(EvtxRecord record)
    {
        var walk = new Walk();
        if (!walk.Element(record.Root, parent: null, out BElement? body))
        {
            return null;
        }

        string key = walk.Key.ToString();
        if (!_shapes.TryGetValue(key, out RecordShape? shape))
        {
            _shapes[key] = shape = new RecordShape(body!, [.. walk.Names], [.. walk.Types]);
        }

        var flat = new FlatEvent();
        record.Fill(flat);
        return new RecordSample(shape, [.. walk.Values], flat, record.Channel ?? string.Empty, record.EventId ?? -1);
    }

    /// <summary>
    /// A shape for a synthesized Windows event (System fields as Windows types them, every other field
    /// a <c>Data Name=…</c> string), cached by its field list so equal kinds share one template.
    /// </summary>
    public RecordShape ForFlat(FlatEvent e)
    {
        var data = new List<string>();
        for (int i = 0; i < e.FieldCount; i++)
        {
            e.GetFieldAt(i, out string name);
            if (!SystemFields.Contains(name))
            {
                data.Add(name);
            }
        }

        bool user = e.TryGetField("Security_UserID", out _);
        string key = "flat|" + user + "|" + string.Join("|", data);
        if (_shapes.TryGetValue(key, out RecordShape? shape))
        {
            return shape;
        }

        var names = new List<string?>();
        var types = new List<EvtxValueType>();
        BSub Sub(string field, EvtxValueType type)
        {
            names.Add(field);
            types.Add(type);
            return new BSub((ushort)(names.Count - 1), (byte)type);
        }

        static BElement El(string name, params BNode[] children) => new(name, children);
        static BElement ElA(string name, params BAttr[] attrs) => new(name, attrs, []);

        var system = new BElement(
            "System",
            new BElement("Provider", [new BAttr("Name", Sub("Provider_Name", EvtxValueType.String)), new BAttr("Guid", Sub("Provider_Guid", EvtxValueType.Guid))], []),
            El("EventID", Sub("EventID", EvtxValueType.UInt16)),
            El("Version", Sub("Version", EvtxValueType.UInt8)),
            El("Level", Sub("Level", EvtxValueType.UInt8)),
            El("Task", Sub("Task", EvtxValueType.UInt16)),
            El("Opcode", Sub("Opcode", EvtxValueType.UInt8)),
            El("Keywords", Sub("Keywords", EvtxValueType.HexInt64)),
            ElA("TimeCreated", new BAttr("SystemTime", Sub("TimeCreated_SystemTime", EvtxValueType.FileTime))),
            El("EventRecordID", Sub("EventRecordID", EvtxValueType.UInt64)),
            ElA("Correlation"),
            ElA("Execution", new BAttr("ProcessID", Sub("Execution_ProcessID", EvtxValueType.UInt32)), new BAttr("ThreadID", Sub("Execution_ThreadID", EvtxValueType.UInt32))),
            El("Channel", Sub("Channel", EvtxValueType.String)),
            El("Computer", Sub("Computer", EvtxValueType.String)),
            user ? ElA("Security", new BAttr("UserID", Sub("Security_UserID", EvtxValueType.Sid))) : ElA("Security"));
        BNode[] items = [.. data.Select(d => (BNode)new BElement("Data", [new BAttr("Name", new BText(d))], [Sub(d, EvtxValueType.String)]))];
        var body = new BElement(
            "Event",
            [new BAttr("xmlns", new BText("http://schemas.microsoft.com/win/2004/08/events/event"))],
            [system, new BElement("EventData", items)]);
        _shapes[key] = shape = new RecordShape(body, [.. names], [.. types]);
        return shape;
    }

    private static readonly HashSet<string> SystemFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Provider_Name", "Provider_Guid", "EventID", "Version", "Level", "Task", "Opcode", "Keywords", "TimeCreated_SystemTime",
        "EventRecordID", "Execution_ProcessID", "Execution_ThreadID", "Channel", "Computer", "Security_UserID",
    };

    /// <summary>One pass over a decoded tree: the template body, its substitution values and a structural key.</summary>
    private sealed class Walk
    {
        public StringBuilder Key { get; } = new();

        public List<BRaw> Values { get; } = [];

        public List<string?> Names { get; } = [];

        public List<EvtxValueType> Types { get; } = [];

        public bool Element(EvtxElement e, EvtxElement? parent, out BElement? result)
        {
            result = null;
            bool inSystem = parent?.Name == "System";
            Key.Append('<').Append(e.Name);
            var attrs = new List<BAttr>();
            foreach (EvtxAttribute a in e.Attributes)
            {
                Key.Append(' ').Append(a.Name);
                // Namespaces and the names of Data items and providers are literal template text, as in Windows' templates.
                if (a.Name is "xmlns" or "Name" && a.Value.Type == EvtxValueType.String)
                {
                    string text = a.Value.AsString ?? string.Empty;
                    Key.Append("=\"").Append(text).Append('"');
                    attrs.Add(new BAttr(a.Name, new BText(text)));
                    continue;
                }

                if (!Substitute(a.Value, inSystem ? e.Name + "_" + a.Name : null, out BSub? sub))
                {
                    return false;
                }

                attrs.Add(new BAttr(a.Name, sub!));
            }

            Key.Append('>');
            string textField = inSystem ? e.Name
                : e.Name == "Data" && e.Attribute("Name") is { } n ? n.Value.AsString ?? "Data"
                : e.Name;
            var children = new List<BNode>();
            if (!Children(e.Children, e, textField, children))
            {
                return false;
            }

            Key.Append("</>");
            result = new BElement(e.Name, [.. attrs], [.. children]);
            return true;
        }

        private bool Children(IEnumerable<EvtxNode> nodes, EvtxElement owner, string textField, List<BNode> into)
        {
            foreach (EvtxNode c in nodes)
            {
                switch (c)
                {
                    case EvtxElement child:
                        if (!Element(child, owner, out BElement? be))
                        {
                            return false;
                        }

                        into.Add(be!);
                        break;
                    case EvtxText t when t.Value.Type == EvtxValueType.BinXml:
                        // Nested BinXML is written in place: the decoded tree (what every renderer sees) is the same.
                        Key.Append("{nested}");
                        if (!Children(t.Value.Nodes, owner, textField, into))
                        {
                            return false;
                        }

                        break;
                    case EvtxText t:
                        if (!Substitute(t.Value, textField, out BSub? sub))
                        {
                            return false;
                        }

                        into.Add(sub!);
                        break;
                    case EvtxCData d:
                        Key.Append("{cdata}");
                        into.Add(new BCData(d.Value));
                        break;
                    case EvtxCharRef r:
                        Key.Append("{&#").Append(r.CodePoint).Append('}');
                        into.Add(new BCharRef(r.CodePoint));
                        break;
                    case EvtxEntityRef r:
                        Key.Append("{&").Append(r.Name).Append('}');
                        into.Add(new BEntityRef(r.Name));
                        break;
                    case EvtxProcessingInstruction pi:
                        Key.Append("{?").Append(pi.Target).Append(' ').Append(pi.Data).Append('}');
                        into.Add(new BPI(pi.Target, pi.Data));
                        break;
                    default:
                        return false;
                }
            }

            return true;
        }

        private bool Substitute(EvtxValue v, string? field, out BSub? sub)
        {
            sub = null;
            byte[]? data = ValueCodec.Encode(v);
            if (data is null)
            {
                return false;
            }

            var index = (ushort)Values.Count;
            Values.Add(new BRaw((byte)v.Type, data));
            Names.Add(field);
            Types.Add(v.Type);
            Key.Append("{s").Append((int)v.Type).Append('}');
            sub = new BSub(index, (byte)v.Type);
            return true;
        }
    }
}

/// <summary>Substitution values as bytes: a decoded value back to its encoding, or a field's text into a given type.</summary>
internal static class ValueCodec
{
    /// <summary>The bytes of a decoded value, or null for types the bench does not reproduce.</summary>
    public static byte[]? Encode(EvtxValue v)
    {
        if (v.IsArray)
        {
            var item = (EvtxValueType)((int)v.Type & 0x7f);
            var all = new List<byte>();
            foreach (EvtxValue i in v.Items)
            {
                byte[]? b = item == EvtxValueType.String ? [.. Encoding.Unicode.GetBytes(i.AsString ?? string.Empty), 0, 0] : Encode(i);
                if (b is null)
                {
                    return null;
                }

                all.AddRange(b);
            }

            return [.. all];
        }

        return v.Type switch
        {
            EvtxValueType.Null => [],
            EvtxValueType.String => V.Str(v.AsString ?? string.Empty).Data,
            EvtxValueType.AnsiString => V.Ansi(v.AsString ?? string.Empty).Data,
            EvtxValueType.Int8 or EvtxValueType.UInt8 => V.Le(v.AsInt64, 1),
            EvtxValueType.Int16 or EvtxValueType.UInt16 => V.Le(v.AsInt64, 2),
            EvtxValueType.Int32 or EvtxValueType.UInt32 or EvtxValueType.HexInt32 => V.Le(v.AsInt64, 4),
            EvtxValueType.Int64 or EvtxValueType.UInt64 or EvtxValueType.HexInt64 or EvtxValueType.FileTime => V.Le(v.AsInt64, 8),
            EvtxValueType.Real32 => BitConverter.GetBytes((float)v.AsDouble),
            EvtxValueType.Real64 => BitConverter.GetBytes(v.AsDouble),
            EvtxValueType.Bool => V.Le(v.AsBool ? 1 : 0, 4),
            EvtxValueType.Binary => v.AsBinary.ToArray(),
            EvtxValueType.Guid => v.AsGuid.ToByteArray(),
            EvtxValueType.SizeT or EvtxValueType.EvtHandle => V.Le(v.AsInt64, v.Width is 4 or 8 ? v.Width : 8),
            EvtxValueType.SystemTime => v.TryGetDateTime(out DateTime t) ? V.SysTime(t).Data : null,
            EvtxValueType.Sid => Sid(v.AsString ?? string.Empty),
            _ => null,
        };
    }

    /// <summary>A field's text (as a flat event holds it) in the given type, or null when it does not parse as one.</summary>
    public static byte[]? FromText(string text, EvtxValueType type)
    {
        switch (type)
        {
            case EvtxValueType.String:
                return V.Str(text).Data;
            case EvtxValueType.AnsiString:
                return V.Ansi(text).Data;
            case EvtxValueType.Int8 or EvtxValueType.UInt8:
                return Integer(text) is { } b ? V.Le(b, 1) : null;
            case EvtxValueType.Int16 or EvtxValueType.UInt16:
                return Integer(text) is { } s ? V.Le(s, 2) : null;
            case EvtxValueType.Int32 or EvtxValueType.UInt32 or EvtxValueType.HexInt32:
                return Integer(text) is { } i ? V.Le(i, 4) : null;
            case EvtxValueType.Int64 or EvtxValueType.UInt64 or EvtxValueType.HexInt64:
                return Integer(text) is { } l ? V.Le(l, 8) : null;
            case EvtxValueType.Bool:
                return bool.TryParse(text, out bool f) ? V.Le(f ? 1 : 0, 4) : null;
            case EvtxValueType.Guid:
                return Guid.TryParse(text.Trim('{', '}'), out Guid g) ? g.ToByteArray() : null;
            case EvtxValueType.FileTime:
                return Time(text) is { } ft ? V.Le(ft.ToFileTimeUtc(), 8) : null;
            case EvtxValueType.SystemTime:
                return Time(text) is { } st ? V.SysTime(st).Data : null;
            case EvtxValueType.Sid:
                return text.StartsWith("S-1-", StringComparison.Ordinal) ? Sid(text) : null;
            default:
                return null;
        }
    }

    public static DateTime? Time(string text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime t) ? t : null;

    private static long? Integer(string text)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong h) ? unchecked((long)h) : null;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : null;
    }

    /// <summary>S-R-A-S1-S2… to its binary form (revision, count, 48-bit big-endian authority, little-endian sub-authorities).</summary>
    private static byte[]? Sid(string text)
    {
        string[] parts = text.Split('-');
        if (parts.Length < 3 || parts[0] != "S" || !byte.TryParse(parts[1], CultureInfo.InvariantCulture, out byte revision) ||
            !ulong.TryParse(parts[2], CultureInfo.InvariantCulture, out ulong authority))
        {
            return null;
        }

        byte[] b = new byte[8 + (4 * (parts.Length - 3))];
        b[0] = revision;
        b[1] = (byte)(parts.Length - 3);
        for (int i = 0; i < 6; i++)
        {
            b[2 + i] = (byte)(authority >> (8 * (5 - i)));
        }

        for (int i = 3; i < parts.Length; i++)
        {
            if (!uint.TryParse(parts[i], CultureInfo.InvariantCulture, out uint sub))
            {
                return null;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8 + (4 * (i - 3))), sub);
        }

        return b;
    }
}
