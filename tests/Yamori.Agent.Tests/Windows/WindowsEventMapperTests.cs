using Yamori.Agent.Telemetry;
using Yamori.Agent.Windows;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Windows;

/// <summary>
/// Shapes the regression recordings do not all contain, written as Windows renders them (the
/// recordings themselves are covered in <see cref="MapperTwinConformanceTests"/>).
/// </summary>
public sealed class WindowsEventMapperTests
{
    private const string Ns = "http://schemas.microsoft.com/win/2004/08/events/event";

    private static string Event(string system, string body) =>
        $"<Event xmlns=\"{Ns}\"><System>{system}</System>{body}</Event>";

    private const string SecuritySystem =
        "<Provider Name=\"Microsoft-Windows-Eventlog\" Guid=\"{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}\"/><EventID>1102</EventID><Version>0</Version>" +
        "<Level>4</Level><Task>104</Task><Opcode>0</Opcode><Keywords>0x4020000000000000</Keywords>" +
        "<TimeCreated SystemTime=\"2024-05-01T10:00:00.1234567Z\"/><EventRecordID>77</EventRecordID><Correlation/>" +
        "<Execution ProcessID=\"1000\" ThreadID=\"2000\"/><Channel>Security</Channel><Computer>pc01.town.local</Computer><Security/>";

    private static string Text(FlatEvent e, string name)
    {
        Assert.True(e.TryGetField(name, out FieldValue v), $"field {name} missing");
        return v.ToString();
    }

    [Fact]
    public void System_and_userdata_are_flattened_as_the_scanner_does()
    {
        string xml = Event(SecuritySystem,
            "<UserData><LogFileCleared xmlns=\"http://manifests.microsoft.com/win/2004/08/windows/eventlog\"><SubjectUserSid>S-1-5-21-1-2-3-500</SubjectUserSid>" +
            "<SubjectUserName>admin</SubjectUserName><SubjectDomainName>TOWN</SubjectDomainName><SubjectLogonId>0x3e7</SubjectLogonId></LogFileCleared></UserData>");
        FlatEvent e = new WindowsEventMapper().Map(xml);

        Assert.Equal(
            [
                "Provider_Name", "Provider_Guid", "EventID", "Version", "Level", "Task", "Opcode", "Keywords", "TimeCreated_SystemTime",
                "EventRecordID", "Correlation", "Execution_ProcessID", "Execution_ThreadID", "Channel", "Computer", "Security",
                "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId",
            ],
            e.Fields.Select(f => f.Key));
        Assert.Equal("Microsoft-Windows-Eventlog", Text(e, "Provider_Name"));
        Assert.Equal("{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}", Text(e, "Provider_Guid"));
        Assert.Equal("1102", Text(e, "EventID"));
        Assert.Equal("1000", Text(e, "Execution_ProcessID"));
        Assert.True(e.TryGetField("Correlation", out FieldValue corr) && corr.Kind == FieldKind.Null);
        Assert.Equal("admin", Text(e, "SubjectUserName"));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567), e.Timestamp);
        Assert.True(e.Source.IsEmpty);
    }

    [Fact]
    public void Event_data_names_repeats_empties_and_unnamed_data_follow_evtx_dump()
    {
        var mapper = new WindowsEventMapper();
        FlatEvent named = mapper.Map(Event(SecuritySystem,
            "<EventData><Data Name=\"X\">1</Data><Data Name=\"X\">2</Data><Data Name=\"Empty\"/><Data Name=\"Blank\">  </Data>" +
            "<Data Name=\"Padded\">Advapi  </Data><Data>dropped: unnamed among named</Data><Binary>00FF</Binary></EventData>"));
        Assert.Equal("1", Text(named, "X"));
        Assert.Equal("2", Text(named, "X_1"));
        Assert.True(named.TryGetField("Empty", out FieldValue empty) && empty.Kind == FieldKind.Null);
        Assert.True(named.TryGetField("Blank", out FieldValue blank) && blank is { Kind: FieldKind.String, Text: "" });
        Assert.Equal("Advapi", Text(named, "Padded"));
        Assert.Equal("00FF", Text(named, "Binary"));
        Assert.False(named.TryGetField("Data", out _));

        FlatEvent positional = mapper.Map(Event(SecuritySystem, "<EventData><Data>a</Data><Data></Data><Data>c </Data></EventData>"));
        Assert.True(positional.TryGetField("Data", out FieldValue data) && data.Kind == FieldKind.Array);
        Assert.Equal(["a", "c"], data.Items!);

        FlatEvent single = mapper.Map(Event(SecuritySystem, "<EventData><Data>only</Data></EventData>"));
        Assert.Equal("only", Text(single, "Data"));

        FlatEvent none = mapper.Map(Event(SecuritySystem, "<EventData/>"));
        Assert.True(none.TryGetField("EventData", out FieldValue ed) && ed.Kind == FieldKind.Null);
    }

    [Fact]
    public void Values_keep_line_breaks_escapes_and_cdata_as_windows_wrote_them()
    {
        string xml = Event(SecuritySystem,
            "<EventData><Data Name=\"ScriptBlockText\">$a = 1\r\nWrite-Host \"&lt;x&gt; &amp; y\"\r\n</Data>" +
            "<Data Name=\"Ref\">tab&#9;here</Data><Data Name=\"C\"><![CDATA[<raw>]]></Data></EventData>");
        FlatEvent e = new WindowsEventMapper().Map(xml);
        Assert.Equal("$a = 1\r\nWrite-Host \"<x> & y\"", Text(e, "ScriptBlockText"));
        Assert.Equal("tab\there", Text(e, "Ref"));
        Assert.Equal("<raw>", Text(e, "C"));
    }

    [Fact]
    public void Control_characters_that_windows_writes_raw_are_kept_not_refused()
    {
        // EvtRender does not escape control characters in values (XML 1.0 forbids them raw), so a
        // strict parser would drop such events; the mapper keeps them as the other readers do.
        string xml = Event(SecuritySystem, "<EventData><Data Name='Raw'>a\u0001b\u001f</Data><Data Name='Ref'>c&#x1;d</Data><Data Name='Attr' Extra='\u0002'>\uD800x\uD83D\uDE00</Data></EventData>");
        FlatEvent e = new WindowsEventMapper().Map(xml);
        Assert.Equal("a\u0001b\u001f", Text(e, "Raw"));
        Assert.Equal("c\u0001d", Text(e, "Ref"));
        Assert.Equal("\uFFFDx\uD83D\uDE00", Text(e, "Attr"));
    }

    [Fact]
    public void Qualifiers_become_a_field_only_when_present()
    {
        var mapper = new WindowsEventMapper();
        FlatEvent with = mapper.Map(Event(SecuritySystem.Replace("<EventID>1102</EventID>", "<EventID Qualifiers=\"16384\">7045</EventID>", StringComparison.Ordinal), ""));
        Assert.Equal("7045", Text(with, "EventID"));
        Assert.Equal("16384", Text(with, "EventID_Qualifiers"));

        FlatEvent without = mapper.Map(Event(SecuritySystem.Replace("<EventID>1102</EventID>", "<EventID Qualifiers=\"\">7045</EventID>", StringComparison.Ordinal), ""));
        Assert.Equal("7045", Text(without, "EventID"));
        Assert.False(without.TryGetField("EventID_Qualifiers", out _));
    }

    [Fact]
    public void A_reused_event_is_cleared_and_refilled()
    {
        var mapper = new WindowsEventMapper();
        var e = new FlatEvent();
        mapper.Fill(e, Event(SecuritySystem, "<EventData><Data Name=\"First\">1</Data></EventData>").AsMemory());
        mapper.Fill(e, Event(SecuritySystem, "<EventData><Data Name=\"Second\">2</Data></EventData>").AsMemory());
        Assert.False(e.TryGetField("First", out _));
        Assert.Equal("2", Text(e, "Second"));
        Assert.Equal(17, e.FieldCount);
    }

    [Theory]
    [InlineData("<Event><System><EventID>1</EventID></System>", "not well-formed")]
    [InlineData("", "not well-formed")]
    [InlineData("<Events><System/></Events>", "root element is <Events>")]
    [InlineData("<Event><EventData/></Event>", "no <System>")]
    [InlineData("<!DOCTYPE Event [<!ENTITY x \"y\">]><Event><System/></Event>", "not well-formed")]
    public void Bad_xml_is_refused_with_the_reason(string xml, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => new WindowsEventMapper().Map(xml));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_beyond_the_limit_is_refused_not_recursed()
    {
        string deep = string.Concat(Enumerable.Repeat("<UserData>", 80)) + string.Concat(Enumerable.Repeat("</UserData>", 80));
        var ex = Assert.Throws<FormatException>(() => new WindowsEventMapper().Map(Event(SecuritySystem, deep)));
        Assert.Contains("deeper than", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Microsoft-Windows-Sysmon/Operational", 1, EventPriority.Normal)]
    [InlineData("Microsoft-Windows-Sysmon/Operational", 3, EventPriority.Low)]
    [InlineData("Microsoft-Windows-Sysmon/Operational", 7, EventPriority.Low)]
    [InlineData("Microsoft-Windows-Sysmon/Operational", 10, EventPriority.Normal)]
    [InlineData("Microsoft-Windows-Sysmon/Operational", 11, EventPriority.Low)]
    [InlineData("Security", 4688, EventPriority.Normal)]
    [InlineData("Security", 4624, EventPriority.Normal)]
    [InlineData("Security", 5156, EventPriority.Low)]
    [InlineData("Microsoft-Windows-PowerShell/Operational", 4104, EventPriority.Normal)]
    public void Priorities_keep_process_starts_and_logons_and_shed_volume_first(string channel, int eventId, EventPriority expected)
    {
        Assert.Equal(expected, WindowsEventPriority.Of(channel, eventId));
        string system = SecuritySystem.Replace("<EventID>1102</EventID>", $"<EventID>{eventId}</EventID>", StringComparison.Ordinal)
            .Replace("<Channel>Security</Channel>", $"<Channel>{channel}</Channel>", StringComparison.Ordinal);
        Assert.Equal(expected, WindowsEventPriority.Of(new WindowsEventMapper().Map(Event(system, ""))));
    }
}
