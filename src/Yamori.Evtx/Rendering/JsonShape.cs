using System.Globalization;
using System.Text;

namespace Yamori.Evtx.Rendering;

internal enum ScalarKind
{
    Null,
    Number,
    Bool,
    String,
}

/// <summary>A JSON scalar: integers and bools keep their 64 bits (kept small: these are copied a lot), anything else is text.</summary>
internal readonly record struct JsonScalar(ScalarKind Kind, string? Text, ulong Bits, bool Signed)
{
    public static JsonScalar Null => default;

    public static JsonScalar FromValue(in EvtxValue v) => v.Type switch
    {
        EvtxValueType.Int8 or EvtxValueType.Int16 or EvtxValueType.Int32 or EvtxValueType.Int64 => new(ScalarKind.Number, null, v.AsUInt64, true),
        EvtxValueType.UInt8 or EvtxValueType.UInt16 or EvtxValueType.UInt32 or EvtxValueType.UInt64 => new(ScalarKind.Number, null, v.AsUInt64, false),
        EvtxValueType.Bool => new(ScalarKind.Bool, null, v.AsBool ? 1UL : 0UL, false),
        _ => new(ScalarKind.String, JsonShape.Clean(v.ToJsonText()), 0, false),
    };

    public bool BoolValue => Bits != 0;

    /// <summary>The number exactly as the JSON writer prints it.</summary>
    public string NumberText => Signed
        ? unchecked((long)Bits).ToString(CultureInfo.InvariantCulture)
        : Bits.ToString(CultureInfo.InvariantCulture);
}

internal enum JKind
{
    Null,
    Scalar,
    Object,
    Array,
}

internal enum JSource
{
    /// <summary>An element's body: #attributes, #text, then its child elements.</summary>
    ElementBody,
    /// <summary>An element's non-empty attributes.</summary>
    Attributes,
    /// <summary>{"#text": …} holding a container's unnamed Data elements.</summary>
    PositionalData,
    /// <summary>The values of a container's unnamed Data elements.</summary>
    DataArray,
}

/// <summary>A JSON value not yet materialised: where it comes from in the element tree.</summary>
internal readonly record struct JVal(JKind Kind, JSource Source, EvtxElement? Element, bool Container, JsonScalar Scalar)
{
    public static JVal Null => default;

    public static JVal Of(JsonScalar s) => s.Kind == ScalarKind.Null ? default : new(JKind.Scalar, default, null, false, s);
}

internal readonly record struct JMember(string Key, JVal Value);

/// <summary>
/// The rules that map an event's element tree onto <c>evtx_dump</c>'s JSON, shared by the JSON
/// writer and the direct <see cref="Yamori.Sigma.Events.FlatEvent"/> filler so both see the same shape:
/// <list type="bullet">
/// <item>an element with no content, no attribute text and no children is <c>null</c>;</item>
/// <item>with only content it is that content: a number for a single integer value, true/false for a bool, else text;</item>
/// <item>otherwise an object: <c>#attributes</c> (non-empty ones), <c>#text</c>, then children by name;
/// repeated names get <c>_1</c>, <c>_2</c>… suffixes;</item>
/// <item>inside <c>EventData</c>/<c>UserData</c>, <c>Data</c> elements are keyed by their <c>Name</c>
/// attribute; unnamed ones become <c>"Data": {"#text": value-or-array}</c>; an empty Data is null.</item>
/// </list>
/// </summary>
internal static class JsonShape
{
    public static bool IsContainer(string name) => name is "EventData" or "UserData";

    public static JVal ElementValue(EvtxElement e, bool container)
    {
        bool text = HasText(e);
        bool attrs = HasAttributeText(e);
        if (!e.HasElementChild && !attrs)
        {
            return text ? JVal.Of(Content(e)) : JVal.Null;
        }

        return new JVal(JKind.Object, JSource.ElementBody, e, container, default);
    }

    /// <summary>The value of a Data element: null when empty (as SigmaHQ's twins show), its body when it has children.</summary>
    public static JVal DataValue(EvtxElement d)
    {
        if (d.HasElementChild)
        {
            return new JVal(JKind.Object, JSource.ElementBody, d, false, default);
        }

        return HasText(d) ? JVal.Of(Content(d)) : JVal.Null;
    }

    /// <summary>Appends the members of an object value to <paramref name="into"/>.</summary>
    public static void GetMembers(in JVal obj, List<JMember> into)
    {
        EvtxElement e = obj.Element!;
        switch (obj.Source)
        {
            case JSource.Attributes:
                foreach (EvtxAttribute a in e.AttributeArray)
                {
                    if (!a.Value.IsEmpty)
                    {
                        into.Add(new JMember(Clean(a.Name), JVal.Of(JsonScalar.FromValue(a.Value))));
                    }
                }

                break;
            case JSource.PositionalData:
                EvtxElement? single = null;
                int count = 0;
                foreach (EvtxNode c in e.ChildArray)
                {
                    if (c is EvtxElement { Name: "Data" } d)
                    {
                        single ??= d;
                        count++;
                    }
                }

                into.Add(new JMember("#text", count == 1 ? DataValue(single!) : new JVal(JKind.Array, JSource.DataArray, e, false, default)));
                break;
            default:
                ElementMembers(e, obj.Container, into);
                break;
        }
    }

    /// <summary>The items of an array value.</summary>
    public static void GetItems(in JVal array, List<JVal> into)
    {
        foreach (EvtxNode c in array.Element!.ChildArray)
        {
            if (c is EvtxElement { Name: "Data" } d)
            {
                into.Add(DataValue(d));
            }
        }
    }

    private static void ElementMembers(EvtxElement e, bool container, List<JMember> into)
    {
        int start = into.Count;
        ulong seen = 0;
        if (HasAttributeText(e))
        {
            into.Add(new JMember(UniqueKey(into, start, "#attributes", ref seen), new JVal(JKind.Object, JSource.Attributes, e, false, default)));
        }

        if (HasText(e))
        {
            into.Add(new JMember(UniqueKey(into, start, "#text", ref seen), JVal.Of(Content(e))));
        }

        bool named = false;
        if (container)
        {
            foreach (EvtxNode c in e.ChildArray)
            {
                if (c is EvtxElement { Name: "Data" } d && DataName(d) is not null)
                {
                    named = true;
                    break;
                }
            }
        }

        bool positionalDone = false;
        foreach (EvtxNode n in e.ChildArray)
        {
            if (n is not EvtxElement c)
            {
                continue;
            }

            if (container && c.Name == "Data")
            {
                if (named)
                {
                    if (DataName(c) is { } key)
                    {
                        into.Add(new JMember(UniqueKey(into, start, key, ref seen), DataValue(c)));
                    }
                }
                else if (!positionalDone)
                {
                    positionalDone = true;
                    into.Add(new JMember(UniqueKey(into, start, "Data", ref seen), new JVal(JKind.Object, JSource.PositionalData, e, false, default)));
                }

                continue;
            }

            into.Add(new JMember(UniqueKey(into, start, Clean(c.Name), ref seen), ElementValue(c, IsContainer(c.Name))));
        }
    }

    private static string? DataName(EvtxElement d)
    {
        EvtxAttribute? a = d.Attribute("Name");
        return a is null || a.Value.IsEmpty ? null : Clean(a.Value.ToJsonText());
    }

    /// <summary>Repeated keys get _1, _2… (the first keeps the plain name), so the JSON never holds duplicates.</summary>
    private static string UniqueKey(List<JMember> members, int start, string name, ref ulong seen)
    {
        // A 64-bit signature of the keys so far: most keys miss it and skip the scan entirely.
        ulong bit = Signature(name);
        if ((seen & bit) == 0 || !Contains(members, start, name))
        {
            seen |= bit;
            return name;
        }

        for (int k = 1; ; k++)
        {
            string candidate = name + "_" + k.ToString(CultureInfo.InvariantCulture);
            if (!Contains(members, start, candidate))
            {
                seen |= Signature(candidate);
                return candidate;
            }
        }
    }

    private static ulong Signature(string key) =>
        1UL << (key.Length == 0 ? 0 : ((key.Length * 7) + key[0] + (3 * key[^1]) + key[key.Length / 2]) & 63);

    private static bool Contains(List<JMember> members, int start, string key)
    {
        // By reference into the list: JMember is a large struct, and this runs for every key.
        foreach (ref readonly JMember m in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(members)[start..])
        {
            if (string.Equals(m.Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Content that is not empty: a non-empty value, CDATA, or a reference.</summary>
    public static bool HasText(EvtxElement e) => e.HasContent;

    private static bool IsSignificant(EvtxNode c) => c switch
    {
        EvtxText t => !t.Value.IsEmpty,
        EvtxCData d => d.Value.Length > 0,
        EvtxCharRef or EvtxEntityRef => true,
        _ => false,
    };

    public static bool HasAttributeText(EvtxElement e) => e.HasAttributeValue;

    /// <summary>An element's own content (child elements skipped): a lone integer/bool stays typed, else the concatenated text.</summary>
    public static JsonScalar Content(EvtxElement e)
    {
        EvtxNode? single = null;
        int significant = 0;
        foreach (EvtxNode c in e.ChildArray)
        {
            if (c is not EvtxElement && IsSignificant(c))
            {
                single = c;
                significant++;
            }
        }

        if (significant == 0)
        {
            return new JsonScalar(ScalarKind.String, string.Empty, 0, false);
        }

        if (significant == 1)
        {
            return single is EvtxText t ? JsonScalar.FromValue(t.Value) : new JsonScalar(ScalarKind.String, Clean(single!.Text), 0, false);
        }

        var sb = new StringBuilder();
        foreach (EvtxNode c in e.ChildArray)
        {
            switch (c)
            {
                case EvtxElement:
                case EvtxProcessingInstruction:
                    break;
                case EvtxText t:
                    sb.Append(t.Value.ToJsonText());
                    break;
                default:
                    sb.Append(c.Text);
                    break;
            }
        }

        return new JsonScalar(ScalarKind.String, Clean(sb.ToString()), 0, false);
    }

    /// <summary>Replaces lone UTF-16 surrogates (possible in damaged strings) so the text is valid JSON.</summary>
    public static string Clean(string s)
    {
        if (s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char ch = s[i];
            if (char.IsHighSurrogate(ch) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(ch).Append(s[++i]);
            }
            else
            {
                sb.Append(char.IsSurrogate(ch) ? '\uFFFD' : ch);
            }
        }

        return sb.ToString();
    }
}
