using System.Text.Json;

namespace Yamori.Evtx.Rendering;

/// <summary>Writes an event as <c>{"Event": …}</c> in <c>evtx_dump</c>'s JSON shape (see <see cref="JsonShape"/>).</summary>
internal static class EvtxJsonWriter
{
    [ThreadStatic]
    private static ListPool? t_pool;

    internal static ListPool Pool => t_pool ??= new ListPool();

    public static void Write(Utf8JsonWriter writer, EvtxElement root)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(JsonShape.Clean(root.Name));
        WriteValue(writer, JsonShape.ElementValue(root, false), 0);
        writer.WriteEndObject();
    }

    /// <summary>Compact JSON text of one value (what <see cref="JsonElement.GetRawText"/> returns for it).</summary>
    public static string RawText(in JVal value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteValue(w, value, 0);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteValue(Utf8JsonWriter w, in JVal v, int depth)
    {
        switch (v.Kind)
        {
            case JKind.Null:
                w.WriteNullValue();
                break;
            case JKind.Scalar:
                WriteScalar(w, v.Scalar);
                break;
            case JKind.Object:
            {
                List<JMember> members = Pool.Members(depth);
                try
                {
                    JsonShape.GetMembers(v, members);
                    w.WriteStartObject();
                    foreach (JMember m in members)
                    {
                        w.WritePropertyName(m.Key);
                        WriteValue(w, m.Value, depth + 1);
                    }

                    w.WriteEndObject();
                }
                finally
                {
                    members.Clear();
                }

                break;
            }

            case JKind.Array:
            {
                List<JVal> items = Pool.Items(depth);
                try
                {
                    JsonShape.GetItems(v, items);
                    w.WriteStartArray();
                    foreach (JVal item in items)
                    {
                        WriteValue(w, item, depth + 1);
                    }

                    w.WriteEndArray();
                }
                finally
                {
                    items.Clear();
                }

                break;
            }
        }
    }

    private static void WriteScalar(Utf8JsonWriter w, in JsonScalar s)
    {
        switch (s.Kind)
        {
            case ScalarKind.Number:
                if (s.Signed)
                {
                    w.WriteNumberValue(unchecked((long)s.Bits));
                }
                else
                {
                    w.WriteNumberValue(s.Bits);
                }

                break;
            case ScalarKind.Bool:
                w.WriteBooleanValue(s.BoolValue);
                break;
            case ScalarKind.String:
                w.WriteStringValue(s.Text);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }
}

/// <summary>Reusable member/item lists, one per nesting depth, so rendering allocates no lists per event.</summary>
internal sealed class ListPool
{
    private readonly List<List<JMember>> _members = [];
    private readonly List<List<JVal>> _items = [];

    public List<JMember> Members(int depth)
    {
        while (_members.Count <= depth)
        {
            _members.Add([]);
        }

        // A list already in use at this depth (re-entrant rendering) gets a fresh one.
        return _members[depth].Count == 0 ? _members[depth] : [];
    }

    public List<JVal> Items(int depth)
    {
        while (_items.Count <= depth)
        {
            _items.Add([]);
        }

        return _items[depth].Count == 0 ? _items[depth] : [];
    }
}
