using System.Text;
using Yamori.Sigma.Events;

namespace Yamori.Sigma.Tests.Events;

/// <summary>JSON to Sigma fields: the Windows rendering (evtx_dump shape) and generic nested JSON.</summary>
public sealed class JsonEventReaderTests
{
    private static string Text(FlatEvent e, string name) => e.TryGetField(name, out FieldValue v) ? v.ToString() : "<absent>";

    [Fact]
    public void Windows_events_get_sigma_field_names()
    {
        FlatEvent e = JsonEventReader.Parse("""
            {"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},
             "System":{"Provider":{"#attributes":{"Name":"Service Control Manager","Guid":"{555908d1}"}},
                       "EventID":{"#attributes":{"Qualifiers":16384},"#text":7045},
                       "TimeCreated":{"#attributes":{"SystemTime":"2026-11-26T01:02:03.456789Z"}},
                       "Execution":{"#attributes":{"ProcessID":788,"ThreadID":792}},
                       "Channel":"System","Computer":"PC-01.town.lg.jp","Security":{"#attributes":{"UserID":"S-1-5-18"}}},
             "EventData":{"ServiceName":"evil","ImagePath":"C:\\x.exe","Empty":null},
             "UserData":{"LogFileCleared":{"SubjectUserName":"tanaka"}}}}
            """);

        Assert.Equal("7045", Text(e, "EventID"));
        Assert.Equal("16384", Text(e, "EventID_Qualifiers"));
        Assert.Equal("Service Control Manager", Text(e, "Provider_Name"));
        Assert.Equal("788", Text(e, "Execution_ProcessID"));
        Assert.Equal("S-1-5-18", Text(e, "Security_UserID"));
        Assert.Equal("System", Text(e, "Channel"));
        Assert.Equal("evil", Text(e, "ServiceName"));
        Assert.Equal(@"C:\x.exe", Text(e, "ImagePath"));
        Assert.True(e.TryGetField("Empty", out FieldValue empty) && empty.Kind == FieldKind.Null);
        Assert.Equal("tanaka", Text(e, "SubjectUserName"));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 1, 2, 3, TimeSpan.Zero).AddTicks(4567890), e.Timestamp);
        Assert.True(e.Source.IsEmpty);
    }

    [Fact]
    public void Generic_json_is_flattened_to_dotted_paths_with_arrays_and_a_declared_source()
    {
        FlatEvent e = JsonEventReader.Parse("""
            {"eventName":"ConsoleLogin","userIdentity":{"type":"Root","arn":"arn:aws:iam::1:root"},
             "tags":["a","b"],"count":3,"ok":true,"@timestamp":"2026-11-26T00:00:00Z",
             "logsource":{"product":"aws","service":"cloudtrail"}}
            """);

        Assert.Equal("Root", Text(e, "userIdentity.type"));
        Assert.True(e.TryGetField("tags", out FieldValue tags) && tags.Kind == FieldKind.Array && tags.Items!.SequenceEqual(["a", "b"]));
        Assert.True(e.TryGetField("count", out FieldValue count) && count.Kind == FieldKind.Number && count.Text == "3");
        Assert.True(e.TryGetField("ok", out FieldValue ok) && ok.Kind == FieldKind.Boolean);
        Assert.Equal(new LogSourceHint("aws", null, "cloudtrail"), e.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), e.Timestamp);
    }

    [Fact]
    public void Events_before_a_syntax_error_are_returned_then_the_error_names_its_line()
    {
        byte[] data = Encoding.UTF8.GetBytes("{\"a\":1}\n{\"a\":2}\n{\"a\":\n");
        var seen = new List<string>();
        FormatException ex = Assert.Throws<FormatException>(() =>
        {
            foreach (FlatEvent e in JsonEventReader.ReadAll(data))
            {
                seen.Add(Text(e, "a"));
            }
        });

        Assert.Equal(["1", "2"], seen);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Concatenated_objects_and_json_lines_read_the_same()
    {
        byte[] concatenated = Encoding.UTF8.GetBytes("{\"a\":1}{\"a\":2}  {\"a\":3}");
        byte[] lines = Encoding.UTF8.GetBytes("{\"a\":1}\n{\"a\":2}\r\n{\"a\":3}\n");
        Assert.Equal(
            JsonEventReader.ReadAll(concatenated).Select(e => Text(e, "a")),
            JsonEventReader.ReadAll(lines).Select(e => Text(e, "a")));
        Assert.Equal(3, JsonEventReader.ReadAll(lines).Count());
    }
}
