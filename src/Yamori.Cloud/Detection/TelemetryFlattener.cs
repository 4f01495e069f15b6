using System.Globalization;
using Yamori.Cloud.Events;
using Yamori.Sigma.Events;

namespace Yamori.Cloud.Detection;

/// <summary>
/// Telemetry → the engine's event. Refills one <see cref="FlatEvent"/> per worker: the hot path
/// allocates only the text of numeric fields (Sigma compares every value as text).
/// </summary>
public static class TelemetryFlattener
{
    private static readonly FieldValue True = new(FieldKind.Boolean, "true");
    private static readonly FieldValue False = new(FieldKind.Boolean, "false");

    /// <summary>Clears <paramref name="target"/> and fills it from <paramref name="ev"/>.</summary>
    public static void Fill(FlatEvent target, TelemetryEvent ev)
    {
        target.Clear();

        // Declared parts route the event as a JSON line's "logsource" does. A source without category
        // and service (a Windows agent forwarding event-log records says only "windows") is routed by
        // its Channel and EventID, which classify it more precisely than the product alone.
        LogSource ls = ev.Source;
        target.Source = ls.Category.Length == 0 && ls.Service.Length == 0 && HasChannel(ev)
            ? default
            : new LogSourceHint(NullIfEmpty(ls.Product), NullIfEmpty(ls.Category), NullIfEmpty(ls.Service));
        target.Timestamp = ev.Time;
        IReadOnlyList<EventField> fields = ev.Fields;
        for (int i = 0; i < fields.Count; i++)
        {
            EventField f = fields[i];
            target.Set(f.Name, ToFieldValue(f.Value));
        }
    }

    public static FieldValue ToFieldValue(EventValue v) => v.Kind switch
    {
        EventValueKind.String => FieldValue.FromString(v.AsString),
        EventValueKind.Int64 => new FieldValue(FieldKind.Number, v.AsInt64.ToString(CultureInfo.InvariantCulture)),
        EventValueKind.Double => new FieldValue(FieldKind.Number, v.AsDouble.ToString("R", CultureInfo.InvariantCulture)),
        EventValueKind.Boolean => v.AsBoolean ? True : False,
        EventValueKind.StringList => new FieldValue(v.Items as string[] ?? [.. v.Items]),
        _ => FieldValue.Null,
    };

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static bool HasChannel(TelemetryEvent ev)
    {
        IReadOnlyList<EventField> fields = ev.Fields;
        for (int i = 0; i < fields.Count; i++)
        {
            if (string.Equals(fields[i].Name, "Channel", StringComparison.Ordinal))
            {
                return fields[i].Value.Kind == EventValueKind.String && fields[i].Value.AsString.Length > 0;
            }
        }

        return false;
    }
}
