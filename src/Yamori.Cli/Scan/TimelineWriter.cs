using System.Globalization;
using System.Text;
using System.Text.Json;
using Yamori.Sigma.Rules;

namespace Yamori.Cli.Scan;

/// <summary>Writes the detection timeline as a table (for reading), CSV (for spreadsheets) or JSON Lines (for tools).</summary>
internal static class TimelineWriter
{
    public static readonly string[] CsvColumns = ["time", "computer", "channel", "event_id", "level", "rule_title", "rule_id", "techniques", "fields", "source"];

    public static void Write(TextWriter w, IReadOnlyList<TimelineRow> rows, TimelineFormat format)
    {
        switch (format)
        {
            case TimelineFormat.Csv:
                WriteCsv(w, rows);
                break;
            case TimelineFormat.Jsonl:
                WriteJsonl(w, rows);
                break;
            default:
                WriteTable(w, rows);
                break;
        }
    }

    private static string Time(TimelineRow r) =>
        r.Time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Fields(TimelineRow r) => string.Join("; ", r.Fields.Select(f => f.Key + "=" + f.Value));

    private static void WriteCsv(TextWriter w, IReadOnlyList<TimelineRow> rows)
    {
        w.WriteLine(string.Join(',', CsvColumns));
        foreach (TimelineRow r in rows)
        {
            string[] cells = [Time(r), r.Computer, r.Channel, r.EventId, r.Level.ToSigma(), r.RuleTitle, r.RuleId, string.Join(' ', r.Techniques), Fields(r), r.Source];
            w.WriteLine(string.Join(',', cells.Select(Csv)));
        }
    }

    /// <summary>RFC 4180 quoting; a leading =, +, - or @ is prefixed so spreadsheets do not run event text as a formula.</summary>
    internal static string Csv(string cell)
    {
        if (cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@')
        {
            cell = "'" + cell;
        }

        return cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
    }

    private static void WriteJsonl(TextWriter w, IReadOnlyList<TimelineRow> rows)
    {
        using var buffer = new MemoryStream();
        foreach (TimelineRow r in rows)
        {
            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("time", Time(r));
                json.WriteString("computer", r.Computer);
                json.WriteString("channel", r.Channel);
                json.WriteString("event_id", r.EventId);
                json.WriteString("level", r.Level.ToSigma());
                json.WriteString("rule_title", r.RuleTitle);
                json.WriteString("rule_id", r.RuleId);
                json.WriteBoolean("correlation", r.IsCorrelation);
                json.WriteStartArray("techniques");
                foreach (string t in r.Techniques)
                {
                    json.WriteStringValue(t);
                }

                json.WriteEndArray();
                json.WriteStartObject("fields");
                foreach (KeyValuePair<string, string> f in r.Fields)
                {
                    json.WriteString(f.Key, f.Value);
                }

                json.WriteEndObject();
                json.WriteString("source", r.Source);
                json.WriteEndObject();
            }

            w.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        }
    }

    private static void WriteTable(TextWriter w, IReadOnlyList<TimelineRow> rows)
    {
        w.WriteLine($"{"time (UTC)",-24} {"level",-8} {"computer",-20} {"event",-6} {"rule",-50} details");
        foreach (TimelineRow r in rows)
        {
            string eventId = r.IsCorrelation ? "corr" : r.EventId;
            w.WriteLine($"{Time(r),-24} {r.Level.ToSigma(),-8} {Cut(r.Computer, 20),-20} {Cut(eventId, 6),-6} {Cut(r.RuleTitle, 50),-50} {Cut(Fields(r), 160)}");
        }
    }

    private static string Cut(string s, int n) => s.Length <= n ? s : string.Concat(s.AsSpan(0, n - 1), "…");
}
