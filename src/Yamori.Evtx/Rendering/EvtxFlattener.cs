using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Yamori.Sigma.Events;

namespace Yamori.Evtx.Rendering;

/// <summary>
/// Fills a <see cref="FlatEvent"/> straight from the element tree, following
/// <see cref="JsonEventReader"/>'s rules for Windows-shaped JSON step by step over the same
/// <see cref="JsonShape"/> the JSON writer uses, so both paths give identical fields without
/// rendering and re-parsing JSON per event.
/// </summary>
internal static class EvtxFlattener
{
    private const string TimeField = "TimeCreated_SystemTime";

    [ThreadStatic]
    private static Dictionary<(string, string), string>? t_joined;

    public static void Fill(FlatEvent target, EvtxElement root)
    {
        JVal ev = JsonShape.ElementValue(root, false);
        if (root.Name != "Event" || ev.Kind != JKind.Object)
        {
            FillViaJson(target, root);
            return;
        }

        ListPool pool = EvtxJsonWriter.Pool;
        List<JMember> members = pool.Members(0);
        try
        {
            JsonShape.GetMembers(ev, members);
            int system = -1;
            for (int i = 0; i < members.Count; i++)
            {
                if (members[i].Key == "System")
                {
                    system = i;
                    break;
                }
            }

            if (system < 0)
            {
                FillViaJson(target, root);
                return;
            }

            ulong? fileTime = FillSystem(target, members[system].Value, pool);
            foreach (ref readonly JMember section in CollectionsMarshal.AsSpan(members))
            {
                if (section.Key is "System" or "#attributes")
                {
                    continue;
                }

                FlattenLeaves(target, section.Value, section.Key, pool, 1);
            }

            SetTimestamp(target, fileTime);
        }
        finally
        {
            members.Clear();
        }
    }

    /// <summary>
    /// System children become fields by name; their attributes become Name_Attribute. (Where
    /// System is not an object, JsonEventReader would throw; here it contributes nothing.)
    /// Returns the FILETIME behind TimeCreated/@SystemTime, to skip re-parsing its text.
    /// </summary>
    private static ulong? FillSystem(FlatEvent target, in JVal sys, ListPool pool)
    {
        if (sys.Kind != JKind.Object)
        {
            return null;
        }

        ulong? fileTime = null;
        List<JMember> props = pool.Members(1);
        try
        {
            JsonShape.GetMembers(sys, props);
            foreach (ref readonly JMember p in CollectionsMarshal.AsSpan(props))
            {
                if (p.Value.Kind != JKind.Object)
                {
                    target.Set(p.Key, Scalar(p.Value));
                    continue;
                }

                List<JMember> inner = pool.Members(2);
                try
                {
                    JsonShape.GetMembers(p.Value, inner);
                    foreach (ref readonly JMember i in CollectionsMarshal.AsSpan(inner))
                    {
                        if (i.Key == "#attributes" && i.Value.Kind == JKind.Object)
                        {
                            List<JMember> attrs = pool.Members(3);
                            try
                            {
                                JsonShape.GetMembers(i.Value, attrs);
                                foreach (ref readonly JMember a in CollectionsMarshal.AsSpan(attrs))
                                {
                                    string name = Join(p.Key, a.Key);
                                    target.Set(name, Scalar(a.Value));
                                    if (ReferenceEquals(name, TimeField) || name == TimeField)
                                    {
                                        fileTime = a.Value.Scalar.Kind == ScalarKind.String && p.Value.Element?.Attribute("SystemTime")?.Value is { Type: EvtxValueType.FileTime } ft
                                            ? ft.AsUInt64
                                            : null;
                                    }
                                }
                            }
                            finally
                            {
                                attrs.Clear();
                            }
                        }
                        else if (i.Key == "#text")
                        {
                            target.Set(p.Key, Scalar(i.Value));
                        }
                    }
                }
                finally
                {
                    inner.Clear();
                }
            }
        }
        finally
        {
            props.Clear();
        }

        return fileTime;
    }

    /// <summary>EventData, UserData and other sections: leaves keep their own name; #text takes its element's.</summary>
    private static void FlattenLeaves(FlatEvent target, in JVal v, string name, ListPool pool, int depth)
    {
        switch (v.Kind)
        {
            case JKind.Object:
                List<JMember> members = pool.Members(depth);
                try
                {
                    JsonShape.GetMembers(v, members);
                    foreach (ref readonly JMember p in CollectionsMarshal.AsSpan(members))
                    {
                        if (p.Key == "#attributes")
                        {
                            continue;
                        }

                        FlattenLeaves(target, p.Value, p.Key == "#text" ? name : p.Key, pool, depth + 1);
                    }
                }
                finally
                {
                    members.Clear();
                }

                break;
            case JKind.Array:
                target.Set(name, ArrayValue(v, pool, depth));
                break;
            default:
                target.Set(name, Scalar(v));
                break;
        }
    }

    private static FieldValue ArrayValue(in JVal v, ListPool pool, int depth)
    {
        List<JVal> items = pool.Items(depth);
        try
        {
            JsonShape.GetItems(v, items);
            var texts = new List<string>(items.Count);
            foreach (JVal item in items)
            {
                FieldValue s = item.Kind is JKind.Object or JKind.Array ? FieldValue.FromString(EvtxJsonWriter.RawText(item)) : Scalar(item);
                if (s.Text is not null)
                {
                    texts.Add(s.Text);
                }
            }

            return new FieldValue([.. texts]);
        }
        finally
        {
            items.Clear();
        }
    }

    /// <summary>As JsonEventReader.Scalar: strings stay strings, numbers keep their JSON text, objects become raw JSON.</summary>
    private static FieldValue Scalar(in JVal v) => v.Kind switch
    {
        JKind.Null => FieldValue.Null,
        JKind.Scalar => v.Scalar.Kind switch
        {
            ScalarKind.String => FieldValue.FromString(v.Scalar.Text!),
            ScalarKind.Number => new FieldValue(FieldKind.Number, v.Scalar.NumberText),
            ScalarKind.Bool => new FieldValue(FieldKind.Boolean, v.Scalar.BoolValue ? "true" : "false"),
            _ => FieldValue.Null,
        },
        _ => FieldValue.FromString(EvtxJsonWriter.RawText(v)),
    };

    private static void SetTimestamp(FlatEvent target, ulong? fileTime)
    {
        if (!target.TryGetField(TimeField, out FieldValue t) || t.Text is null)
        {
            return;
        }

        if (fileTime is { } ft && ValueFormatter.TryFileTime(ft, out DateTime utc))
        {
            // Same instant the JSON path parses back from the microsecond text.
            target.Timestamp = new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
        }
        else if (DateTimeOffset.TryParse(t.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset ts))
        {
            target.Timestamp = ts;
        }
    }

    /// <summary>"Element_Attribute" names, cached per thread by the (interned) name pair.</summary>
    private static string Join(string element, string attribute)
    {
        Dictionary<(string, string), string> cache = t_joined ??= new(PairComparer.Instance);
        if (cache.TryGetValue((element, attribute), out string? joined))
        {
            return joined;
        }

        joined = element + "_" + attribute;
        if (cache.Count > 4096)
        {
            cache.Clear();
        }

        cache[(element, attribute)] = joined;
        return joined;
    }

    /// <summary>Odd shapes (no Event root or no System) take the JSON route, so they match it by construction.</summary>
    private static void FillViaJson(FlatEvent target, EvtxElement root)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            EvtxJsonWriter.Write(w, root);
        }

        using JsonDocument doc = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 1024 });
        JsonEventReader.Fill(target, doc.RootElement);
    }

    private sealed class PairComparer : IEqualityComparer<(string, string)>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals((string, string) x, (string, string) y) =>
            (ReferenceEquals(x.Item1, y.Item1) || x.Item1 == y.Item1) && (ReferenceEquals(x.Item2, y.Item2) || x.Item2 == y.Item2);

        public int GetHashCode((string, string) obj) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(obj.Item1), RuntimeHelpers.GetHashCode(obj.Item2));
    }
}
