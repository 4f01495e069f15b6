using Yamori.Agent.Windows;
using Yamori.Evtx;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Rules;
using Yamori.Tests;

namespace Yamori.Agent.Tests.Windows;

/// <summary>Every SigmaHQ rule loaded once (as Yamori.Sigma.Tests' SigmaHqFixture and the scanner do).</summary>
public sealed class SigmaRulesFixture
{
    private static readonly string[] RuleFolders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance", "rules-dfir"];

    public SigmaRulesFixture()
    {
        Root = TestData.SigmaHqRoot;
        if (Root is null || !Directory.Exists(Path.Combine(Root, "rules")))
        {
            Root = null;
            return;
        }

        List<string> folders = [.. RuleFolders.Select(f => Path.Combine(Root, f)).Where(Directory.Exists)];
        Rules = RuleLoader.Load(folders, new CompileOptions { Placeholders = PlaceholderConfig.Load(TestData.PlaceholderConfigPath) });
        Engine = new SigmaEngine(Rules);
    }

    public string? Root { get; }

    public RuleSet? Rules { get; }

    public SigmaEngine? Engine { get; }
}

/// <summary>
/// SigmaHQ's regression suite through the agent's Windows path: each recorded attack is rendered to
/// event XML (as EvtRender gives it), mapped by <see cref="WindowsEventMapper"/>, and run through the
/// engine with every SigmaHQ rule loaded. The case's rule must match as many events as SigmaHQ says
/// (the same expectations Yamori.Sigma.Tests asserts on the JSON twins), and every event must raise
/// exactly the rules its JSON twin raises: no rule is lost or gained on the way through XML.
/// </summary>
public sealed class MapperSigmaRegressionTests(SigmaRulesFixture fixture) : IClassFixture<SigmaRulesFixture>
{
    public static TheoryData<string> Cases() => TestData.RegressionFiles("info.yml");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Rule_matches_the_mapped_recording(string infoPath)
    {
        Skip.If(fixture.Root is null, RegressionData.Missing);
        var info = SigmaHqRegressionCase.Read(Path.Combine(fixture.Root!, infoPath));
        Skip.If(info.Tests.Count == 0, $"{infoPath} declares no regression test (its test is commented out upstream)");

        SigmaRule? rule = fixture.Rules!.Find(info.RuleId) as SigmaRule;
        Assert.True(rule is not null, $"rule {info.RuleId} ({info.Title}) is not loaded");

        var mapper = new WindowsEventMapper();
        MatchSession session = fixture.Engine!.CreateSession();
        var viaXml = new List<SigmaRule>();
        var viaTwin = new List<SigmaRule>();
        foreach ((string name, string path, int? matchCount) in info.Tests)
        {
            string evtx = Path.Combine(fixture.Root!, path);
            Assert.True(File.Exists(evtx), $"{infoPath}: recording missing: {evtx}");
            List<FlatEvent> twin = [.. JsonEventReader.ReadAll(File.ReadAllBytes(Path.ChangeExtension(evtx, ".json")))];

            int matched = 0;
            int events = 0;
            using EvtxFile file = EvtxFile.Open(evtx);
            foreach (EvtxRecord r in file.Records())
            {
                FlatEvent mapped = mapper.Map(r.ToXml(indent: false));
                viaXml.Clear();
                session.Match(mapped, viaXml);
                if (viaXml.Contains(rule!))
                {
                    matched++;
                }

                viaTwin.Clear();
                session.Match(twin[events], viaTwin);
                Assert.Equal(Ids(viaTwin), Ids(viaXml));
                events++;
            }

            int expected = SigmaHqRegressionCase.DocumentedCounts.TryGetValue(rule!.Id, out int documented) ? documented : matchCount ?? -1;
            if (expected >= 0)
            {
                Assert.True(expected == matched, $"{rule.Title}: expected {expected} matching events of {events}, got {matched} ({name})");
            }
            else
            {
                Assert.True(matched >= 1, $"{rule.Title}: expected at least one matching event of {events}, got none ({name})");
            }
        }
    }

    /// <summary>
    /// Events written the way EvtRender writes them (single-quoted attributes, GUIDs in braces,
    /// no layout): the same process start seen by Sysmon (event 1) and by Security (4688, whose
    /// NewProcessName the engine's log-source map renames to Image) raises the same SigmaHQ rule.
    /// </summary>
    [SkippableFact]
    public void Evtrender_style_sysmon_and_security_process_starts_raise_the_same_rule()
    {
        Skip.If(fixture.Root is null, RegressionData.Missing);
        const string ruleId = "c30fb093-1109-4dc8-88a8-b30d11c95a5d"; // Whoami.EXE Execution With Output Option
        const string sysmon =
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>" +
            "<EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>" +
            "<TimeCreated SystemTime='2026-11-26T01:02:03.4567890Z'/><EventRecordID>4711</EventRecordID><Correlation/><Execution ProcessID='3308' ThreadID='4008'/>" +
            "<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>pc01.town.lg.jp</Computer><Security UserID='S-1-5-18'/></System><EventData>" +
            "<Data Name='RuleName'>-</Data><Data Name='UtcTime'>2026-11-26 01:02:03.456</Data><Data Name='ProcessGuid'>{5aa13a44-0c90-68fc-bf1d-000000004002}</Data>" +
            "<Data Name='ProcessId'>6720</Data><Data Name='Image'>C:\\Windows\\System32\\whoami.exe</Data><Data Name='OriginalFileName'>whoami.exe</Data>" +
            "<Data Name='CommandLine'>whoami /FO CSV </Data><Data Name='CurrentDirectory'>C:\\Users\\staff\\</Data><Data Name='User'>TOWN\\staff</Data>" +
            "<Data Name='ParentImage'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='ParentCommandLine'>cmd.exe</Data></EventData></Event>";
        const string security =
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/>" +
            "<EventID>4688</EventID><Version>2</Version><Level>0</Level><Task>13312</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>" +
            "<TimeCreated SystemTime='2026-11-26T01:02:03.4567890Z'/><EventRecordID>90210</EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='96'/>" +
            "<Channel>Security</Channel><Computer>pc01.town.lg.jp</Computer><Security/></System><EventData>" +
            "<Data Name='SubjectUserSid'>S-1-5-21-1-2-3-1104</Data><Data Name='SubjectUserName'>staff</Data><Data Name='SubjectDomainName'>TOWN</Data>" +
            "<Data Name='SubjectLogonId'>0x3a5f2</Data><Data Name='NewProcessId'>0x1a40</Data><Data Name='NewProcessName'>C:\\Windows\\System32\\whoami.exe</Data>" +
            "<Data Name='TokenElevationType'>%%1938</Data><Data Name='ProcessId'>0x1f0</Data><Data Name='CommandLine'>whoami /FO CSV</Data>" +
            "<Data Name='TargetUserSid'>S-1-0-0</Data><Data Name='TargetUserName'>-</Data><Data Name='TargetDomainName'>-</Data><Data Name='TargetLogonId'>0x0</Data>" +
            "<Data Name='ParentProcessName'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='MandatoryLabel'>S-1-16-8192</Data></EventData></Event>";

        var mapper = new WindowsEventMapper();
        MatchSession session = fixture.Engine!.CreateSession();
        foreach (string xml in new[] { sysmon, security })
        {
            FlatEvent e = mapper.Map(xml);
            var matched = new List<SigmaRule>();
            session.Match(e, matched);
            Assert.Contains(matched, r => r.Id == ruleId);
        }

        // And a harmless whoami does not: the match above is the rule's logic, not a blanket hit.
        var quiet = new List<SigmaRule>();
        session.Match(mapper.Map(sysmon.Replace("whoami /FO CSV ", "whoami", StringComparison.Ordinal)), quiet);
        Assert.DoesNotContain(quiet, r => r.Id == ruleId);
    }

    private static string Ids(List<SigmaRule> rules) => string.Join(",", rules.Select(r => r.Id).Order(StringComparer.Ordinal));
}
