using System.Xml.Linq;
using Yamori.Agent.Windows;

namespace Yamori.Agent.Tests.Windows;

public sealed class EventLogQueryAndBookmarkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("yamori-bookmarks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Event_id_lists_become_ranges_split_over_selects_of_one_query()
    {
        string q = EventLogQuery.ForEventIds("Security", [4625, 4624, 1102, 4688, 4624, 4720, 4722, 4723, 4724]);
        XElement list = XElement.Parse(q);
        XElement query = Assert.Single(list.Elements("Query"));
        Assert.Equal("Security", (string?)query.Attribute("Path"));
        XElement select = Assert.Single(query.Elements("Select"));
        Assert.Equal("*[System[(EventID=1102 or (EventID>=4624 and EventID<=4625) or EventID=4688 or EventID=4720 or (EventID>=4722 and EventID<=4724))]]", select.Value);

        // The default Security list is long: every Select stays within the service's limit and all ids are kept.
        XElement security = XElement.Parse(EventLogQuery.For(WindowsEventCollectorOptions.DefaultChannels.Single(c => c.Name == "Security")));
        List<XElement> selects = [.. security.Descendants("Select")];
        Assert.True(selects.Count > 1);
        Assert.All(selects, s => Assert.True(s.Value.Split(" or ").Length <= EventLogQuery.MaxTermsPerSelect, s.Value));
        string all = string.Join(" ", selects.Select(s => s.Value));
        foreach (int id in new[] { 4624, 4625, 4688, 4697, 4720, 4722, 4724, 4728, 4732, 4756, 1102 })
        {
            Assert.True(Covers(all, id), $"event {id} is not in the default Security query");
        }

        Assert.False(Covers(all, 4690));
    }

    /// <summary>Whether the rendered terms select <paramref name="id"/> (single ids or ranges).</summary>
    private static bool Covers(string terms, int id)
    {
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(terms, @"\(EventID>=(\d+) and EventID<=(\d+)\)|EventID=(\d+)"))
        {
            if (m.Groups[3].Success ? int.Parse(m.Groups[3].Value) == id : id >= int.Parse(m.Groups[1].Value) && id <= int.Parse(m.Groups[2].Value))
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void Channel_queries_are_escaped_xml_and_structured_queries_pass_through()
    {
        XElement every = XElement.Parse(EventLogQuery.For(new WindowsEventChannel("Microsoft-Windows-Windows Defender/Operational")));
        Assert.Equal("*", every.Descendants("Select").Single().Value);
        Assert.Equal("Microsoft-Windows-Windows Defender/Operational", (string?)every.Descendants("Select").Single().Attribute("Path"));

        XElement xpath = XElement.Parse(EventLogQuery.For(new WindowsEventChannel("System", "*[System[(EventID>=7040 and EventID<=7045)]]")));
        Assert.Equal("*[System[(EventID>=7040 and EventID<=7045)]]", xpath.Descendants("Select").Single().Value);

        const string own = "<QueryList><Query Id=\"0\"><Select Path=\"Application\">*</Select><Suppress Path=\"Application\">*[System[Level=4]]</Suppress></Query></QueryList>";
        Assert.Equal(own, EventLogQuery.For(new WindowsEventChannel("Application", own)));
    }

    [Fact]
    public void Bad_filters_and_options_are_refused_with_the_reason()
    {
        Assert.Contains("out of range", Assert.Throws<ArgumentException>(() => EventLogQuery.ForEventIds("Security", [70000])).Message, StringComparison.Ordinal);
        Assert.Contains("at least one id", Assert.Throws<ArgumentException>(() => EventLogQuery.ForEventIds("Security", [])).Message, StringComparison.Ordinal);

        var twice = new WindowsEventCollectorOptions { DataDirectory = _dir, Channels = [new("Security"), new("security", "*")] };
        Assert.Contains("listed twice", Assert.Throws<ArgumentException>(twice.Validate).Message, StringComparison.Ordinal);
        Assert.Contains("DataDirectory", Assert.Throws<ArgumentException>(new WindowsEventCollectorOptions { DataDirectory = " " }.Validate).Message, StringComparison.Ordinal);
        Assert.Contains("BatchSize", Assert.Throws<ArgumentException>(new WindowsEventCollectorOptions { DataDirectory = _dir, BatchSize = 0 }.Validate).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new WindowsEventCollector(new WindowsEventCollectorOptions { DataDirectory = _dir, Channels = [] }));
    }

    [Fact]
    public void Default_channels_cover_the_issue_s_sources()
    {
        string[] names = [.. WindowsEventCollectorOptions.DefaultChannels.Select(c => c.Name)];
        Assert.Contains("Microsoft-Windows-Sysmon/Operational", names);
        Assert.Contains("Security", names);
        Assert.Contains("Microsoft-Windows-PowerShell/Operational", names);
        Assert.Contains("Windows PowerShell", names);
        Assert.Contains("Microsoft-Windows-Windows Defender/Operational", names);
        string ps = EventLogQuery.For(WindowsEventCollectorOptions.DefaultChannels.Single(c => c.Name == "Microsoft-Windows-PowerShell/Operational"));
        Assert.Contains("(EventID>=4103 and EventID<=4104)", XElement.Parse(ps).Value, StringComparison.Ordinal);
        new WindowsEventCollectorOptions { DataDirectory = _dir }.Validate();
    }

    [Fact]
    public void Bookmarks_round_trip_per_channel_in_distinct_files_replaced_atomically()
    {
        var store = new EventLogBookmarkStore(Path.Combine(_dir, "windows-bookmarks"));
        Assert.Null(store.Load("Security", out string? none));
        Assert.Null(none);

        const string a = "<BookmarkList><Bookmark Channel='Microsoft-Windows-Sysmon/Operational' RecordId='41' IsCurrent='true'/></BookmarkList>";
        const string b = "<BookmarkList><Bookmark Channel='Microsoft-Windows-Sysmon/Operational' RecordId='42' IsCurrent='true'/></BookmarkList>";
        const string c = "<BookmarkList><Bookmark Channel='Windows PowerShell' RecordId='7' IsCurrent='true'/></BookmarkList>";
        store.Save("Microsoft-Windows-Sysmon/Operational", a);
        store.Save("Microsoft-Windows-Sysmon/Operational", b);
        store.Save("Windows PowerShell", c);

        Assert.Equal(b, store.Load("Microsoft-Windows-Sysmon/Operational", out _));
        Assert.Equal(c, store.Load("Windows PowerShell", out _));
        Assert.NotEqual(store.PathOf("Microsoft-Windows-Sysmon/Operational"), store.PathOf("Microsoft-Windows-Sysmon_Operational"));
        Assert.Equal(store.Directory, Path.GetDirectoryName(store.PathOf("a/b\\c:d")));
        Assert.Empty(Directory.GetFiles(store.Directory, "*.tmp"));
        Assert.Equal(2, Directory.GetFiles(store.Directory).Length);

        Assert.Throws<ArgumentException>(() => store.Save("Security", "<Event/>"));
        Assert.Equal(2, Directory.GetFiles(store.Directory).Length);
    }

    [Fact]
    public void A_damaged_bookmark_file_is_reported_and_moved_aside()
    {
        var store = new EventLogBookmarkStore(_dir);
        File.WriteAllText(store.PathOf("Security"), "\0\0\0garbage");
        Assert.Null(store.Load("Security", out string? problem));
        Assert.Contains("unusable", problem, StringComparison.Ordinal);
        Assert.True(File.Exists(store.PathOf("Security") + ".corrupt"));
        Assert.False(File.Exists(store.PathOf("Security")));
    }
}
