using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.Engine;

/// <summary>How the engine picks the rules an event is tried against: log source, renames, declarations.</summary>
public sealed class EngineRoutingTests
{
    private const string ProcessCreationRule = """
        title: Whoami
        id: 00000000-0000-0000-0000-000000000001
        logsource:
            product: windows
            category: process_creation
        detection:
            selection:
                Image|endswith: '\whoami.exe'
            condition: selection
        level: high
        """;

    private static FlatEvent Windows(string channel, int eventId, params (string Name, string Value)[] data)
    {
        var e = new FlatEvent();
        e.Set("Channel", channel);
        e.Set("EventID", new FieldValue(FieldKind.Number, eventId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        foreach ((string name, string value) in data)
        {
            e.Set(name, value);
        }

        return e;
    }

    private static List<SigmaRule> Match(RuleSet set, ISigmaEvent e)
    {
        var matches = new List<SigmaRule>();
        new SigmaEngine(set).CreateSession().Match(e, matches);
        return matches;
    }

    [Fact]
    public void Process_creation_rule_matches_sysmon_1_by_Image()
    {
        RuleSet set = RuleLoader.LoadYaml(ProcessCreationRule);
        Assert.Single(Match(set, Windows("Microsoft-Windows-Sysmon/Operational", 1, ("Image", @"C:\Windows\System32\whoami.exe"))));
    }

    [Fact]
    public void Process_creation_rule_reads_NewProcessName_on_security_4688()
    {
        RuleSet set = RuleLoader.LoadYaml(ProcessCreationRule);
        Assert.Single(Match(set, Windows("Security", 4688, ("NewProcessName", @"C:\Windows\System32\whoami.exe"))));

        // On 4688 the Sigma name Image is not a native field: an event carrying "Image" must not match through it.
        Assert.Empty(Match(set, Windows("Security", 4688, ("Image", @"C:\Windows\System32\whoami.exe"))));
    }

    [Fact]
    public void Rule_is_not_tried_on_events_of_another_log_source()
    {
        RuleSet set = RuleLoader.LoadYaml(ProcessCreationRule);

        // Sysmon 11 (file_event) with the same field is not process creation.
        Assert.Empty(Match(set, Windows("Microsoft-Windows-Sysmon/Operational", 11, ("Image", @"C:\Windows\System32\whoami.exe"))));

        // An event with no channel and no declared source is unclassified.
        var bare = new FlatEvent();
        bare.Set("Image", @"C:\Windows\System32\whoami.exe");
        Assert.Empty(Match(set, bare));
    }

    [Fact]
    public void Declared_log_source_selects_rules_directly()
    {
        RuleSet set = RuleLoader.LoadYaml("""
            title: Linux whoami
            id: 00000000-0000-0000-0000-000000000002
            logsource:
                product: linux
                category: process_creation
            detection:
                selection:
                    Image|endswith: '/whoami'
                condition: selection
            """);
        var e = new FlatEvent { Source = new LogSourceHint("linux", "process_creation", null) };
        e.Set("Image", "/usr/bin/whoami");
        Assert.Single(Match(set, e));

        e.Source = new LogSourceHint("linux", "file_event", null);
        Assert.Empty(Match(set, e));
    }

    [Fact]
    public void Service_rule_applies_to_every_event_of_its_channel()
    {
        RuleSet set = RuleLoader.LoadYaml("""
            title: Security log cleared
            id: 00000000-0000-0000-0000-000000000003
            logsource:
                product: windows
                service: security
            detection:
                selection:
                    EventID: 1102
                condition: selection
            """);
        Assert.Single(Match(set, Windows("Security", 1102)));
        Assert.Single(Match(set, Windows("security", 1102)));
        Assert.Empty(Match(set, Windows("System", 1102)));
        Assert.Empty(Match(set, Windows("Security", 4624)));
    }
}
