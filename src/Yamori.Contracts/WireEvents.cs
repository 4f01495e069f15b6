using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Yamori.Sigma.Events;
using Wire = Yamori.Contracts.Agent.V1;

namespace Yamori.Contracts;

/// <summary>
/// The engine's <see cref="FlatEvent"/> as a wire event and back. The agent's collectors and replay
/// source, the load bench and the tests all ship events through here, so a field has one wire form
/// wherever it came from.
/// </summary>
public static class WireEvents
{
    /// <summary>
    /// The wire event for <paramref name="source"/>, stamped <paramref name="time"/>. The logsource
    /// is the event's own; where it names no product, <paramref name="defaultProduct"/> (recorded
    /// Windows events carry Channel and EventID instead, and the cloud derives the rest).
    /// </summary>
    public static Wire.Event ToWire(FlatEvent source, DateTimeOffset time, string defaultProduct = "windows")
    {
        LogSourceHint hint = source.Source;
        var e = new Wire.Event
        {
            Time = Timestamp.FromDateTimeOffset(time),
            Logsource = new Wire.LogSource
            {
                Product = hint.Product ?? defaultProduct,
                Category = hint.Category ?? "",
                Service = hint.Service ?? "",
            },
        };
        int count = source.FieldCount;
        for (int i = 0; i < count; i++)
        {
            FieldValue value = source.GetFieldAt(i, out string name);
            e.Fields.Add(ToWire(name, value));
        }

        return e;
    }

    /// <summary>The engine's view of a wire event (the agent's local detection runs on what it ships).</summary>
    public static FlatEvent ToFlatEvent(Wire.Event wire, FlatEvent? reuse = null)
    {
        FlatEvent e = reuse ?? new FlatEvent();
        e.Clear();
        e.Timestamp = wire.Time?.ToDateTimeOffset();
        if (wire.Logsource is { } ls)
        {
            e.Source = new LogSourceHint(NullIfEmpty(ls.Product), NullIfEmpty(ls.Category), NullIfEmpty(ls.Service));
        }

        foreach (Wire.Field f in wire.Fields)
        {
            e.Set(f.Name, f.ValueCase switch
            {
                Wire.Field.ValueOneofCase.StringValue => FieldValue.FromString(f.StringValue),
                Wire.Field.ValueOneofCase.IntValue => new FieldValue(FieldKind.Number, f.IntValue.ToString(CultureInfo.InvariantCulture)),
                Wire.Field.ValueOneofCase.DoubleValue => new FieldValue(FieldKind.Number, f.DoubleValue.ToString("R", CultureInfo.InvariantCulture)),
                Wire.Field.ValueOneofCase.BoolValue => new FieldValue(FieldKind.Boolean, f.BoolValue ? "true" : "false"),
                Wire.Field.ValueOneofCase.StringList => new FieldValue([.. f.StringList.Values]),
                _ => FieldValue.Null,
            });
        }

        return e;
    }

    private static Wire.Field ToWire(string name, FieldValue value)
    {
        var f = new Wire.Field { Name = name };
        switch (value.Kind)
        {
            case FieldKind.Null:
                f.NullValue = NullValue.NullValue;
                break;
            case FieldKind.Array:
                f.StringList = new Wire.StringList();
                f.StringList.Values.AddRange(value.Items!);
                break;
            case FieldKind.Number when long.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
                && n.ToString(CultureInfo.InvariantCulture) == value.Text:
                // Only when the text round-trips: "0x1F" or "007" must reach rules as written.
                f.IntValue = n;
                break;
            case FieldKind.Boolean when value.Text is "true" or "false":
                f.BoolValue = value.Text == "true";
                break;
            default:
                // Sigma compares every other scalar as text, and the source holds text.
                f.StringValue = value.Text ?? "";
                break;
        }

        return f;
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
