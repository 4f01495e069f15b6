using System.Text;
using Yamori.Cloud.Events;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Tests.Devices;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Hunting;

public sealed class HuntingCsvTests
{
    [Fact]
    public void A_value_with_comma_quote_and_newline_round_trips_and_the_file_starts_with_a_bom()
    {
        TelemetryEvent ev = SeededCloud.Process(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), @"C:\Tools\x.exe", SeededCloud.CommaQuoteNewline);
        var stored = new StoredEvent(42, TenantId.New(), DeviceId.New(), 1, 0, ev.Time, ev);
        var result = new HuntResult([new HuntRow(stored, "千代田区", "a-pc-01")], HuntingFields.Columns([]), Capped: false, ScanLimitReached: false, Scanned: 1);

        byte[] bytes = HuntingCsv.Write(result, withRuleColumn: false);
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        List<List<string>> records = Rfc4180.Parse(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));

        Assert.Equal(2, records.Count);
        List<string> header = records[0], row = records[1];
        Assert.Equal(header.Count, row.Count);
        Assert.Equal(SeededCloud.CommaQuoteNewline, row[header.IndexOf("CommandLine")]);
        Assert.Equal("千代田区", row[header.IndexOf("town")]);
        Assert.Equal("2026-11-26T09:00:00.000+09:00", row[header.IndexOf("time_jst")]);
        Assert.Equal("42", row[header.IndexOf("event_id")]);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("@SUM(A1)", "\"'@SUM(A1)\"")]
    [InlineData("", "\"\"")]
    public void Fields_are_quoted_and_formulas_neutralised(string value, string expected) =>
        Assert.Equal(expected, HuntingCsv.Quote(value));

    /// <summary>A strict reader of RFC 4180 (quoted fields, doubled quotes, CRLF records), written independently of the writer.</summary>
    private static class Rfc4180
    {
        public static List<List<string>> Parse(string text)
        {
            var records = new List<List<string>>();
            var record = new List<string>();
            var field = new StringBuilder();
            bool quoted = false;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        field.Append(c);
                    }
                }
                else if (c == '"')
                {
                    quoted = true;
                }
                else if (c == ',')
                {
                    record.Add(field.ToString());
                    field.Clear();
                }
                else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    record.Add(field.ToString());
                    field.Clear();
                    records.Add(record);
                    record = [];
                    i++;
                }
                else
                {
                    throw new FormatException($"unquoted character {c} at {i}");
                }
            }

            Assert.False(quoted, "unterminated quote");
            Assert.Empty(record);
            return records;
        }
    }
}
