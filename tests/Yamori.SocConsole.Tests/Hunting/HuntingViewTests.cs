using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Parsing;
using Yamori.SocConsole.Tests.Devices;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Hunting;

[Collection(SeededCloudCollection.Name)]
public sealed class HuntingViewTests(SeededCloud seeded)
{
    private const string PowerShellPath = @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";

    private HuntingView View => seeded.Get<HuntingView>();

    [Fact]
    public async Task Endswith_ignores_case_and_matches_every_town_for_the_soc()
    {
        HuntResult result = await RunAsync(seeded.Soc, Day() with { Conditions = [new("Image", HuntOperator.EndsWith, @"\POWERSHELL.EXE")] });

        // A's process and file event (both run by PowerShell) and B's process.
        Assert.Equal(3, result.Rows.Count);
        Assert.All(result.Rows, r => Assert.Equal(PowerShellPath, HuntingFields.Text(r.Event, "Image")));
        Assert.Equal(["a-pc-01", "b-pc-01", "a-pc-01"], result.Rows.Select(r => r.Hostname));
        Assert.Equal(["Image", "CommandLine"], result.Columns);
        Assert.False(result.Capped);
    }

    [Fact]
    public async Task Contains_startswith_and_equals_ignore_case_and_field_names_ignore_case_too()
    {
        Assert.Equal(["powershell.exe -NoProfile -EncodedCommand SQBFAFgA"], await CommandLinesAsync(new("commandline", HuntOperator.Contains, "encodedCOMMAND")));
        Assert.Equal(["cmd.exe /c whoami"], await CommandLinesAsync(new("Image", HuntOperator.StartsWith, @"c:\windows\system32\CMD")));
        Assert.Empty(await CommandLinesAsync(new("Image", HuntOperator.StartsWith, @"\Windows")));
        Assert.Single(await RowsAsync(new HuntCondition("DestinationIp", HuntOperator.Equals, "203.0.113.5")));
        Assert.Empty(await RowsAsync(new HuntCondition("DestinationIp", HuntOperator.Equals, "203.0.113")));

        // A number compares as its text, as in Sigma.
        Assert.Single(await RowsAsync(new HuntCondition("DestinationPort", HuntOperator.Equals, "443")));

        // A field the event does not have never matches, not even "contains nothing".
        Assert.Empty(await RowsAsync(new HuntCondition("NoSuchField", HuntOperator.Contains, "")));
    }

    [Fact]
    public async Task Conditions_all_hold_and_the_event_type_narrows()
    {
        HuntResult both = await RunAsync(seeded.Soc, Day() with
        {
            Conditions = [new("Image", HuntOperator.EndsWith, "powershell.exe"), new("CommandLine", HuntOperator.Contains, "-W HIDDEN")],
        });
        Assert.Equal("b-pc-01", Assert.Single(both.Rows).Hostname);
        Assert.Equal("札幌市", both.Rows[0].Town);

        HuntResult processes = await RunAsync(seeded.Soc, Day() with { EventType = "PROCESS_CREATION", Conditions = [new("Image", HuntOperator.EndsWith, "powershell.exe")] });
        Assert.Equal(2, processes.Rows.Count);
        HuntResult files = await RunAsync(seeded.Soc, Day() with { EventType = "file_event" });
        Assert.Equal("file_event", HuntingFields.Kind(Assert.Single(files.Rows).Event));
    }

    [Fact]
    public async Task A_town_b_user_never_reads_town_a_events_whatever_the_query_names()
    {
        HuntQuery powershell = Day() with { Conditions = [new("Image", HuntOperator.EndsWith, "powershell.exe")] };
        HuntResult own = await RunAsync(seeded.TownBAdmin, powershell);
        Assert.Equal("b-pc-01", Assert.Single(own.Rows).Hostname);

        Assert.Empty((await RunAsync(seeded.TownBAdmin, powershell with { Town = seeded.Cloud.TownA.Id })).Rows);
        Assert.Empty((await RunAsync(seeded.TownBAdmin, Day() with { Device = seeded.APc01.Id })).Rows);
        Assert.All((await RunAsync(seeded.TownBAdmin, Day())).Rows, r => Assert.Equal(seeded.Cloud.TownB.Id, r.Stored.Tenant));

        // The SOC narrowing to town A sees A's two rows and none of B's.
        HuntResult socA = await RunAsync(seeded.Soc, powershell with { Town = seeded.Cloud.TownA.Id });
        Assert.Equal(2, socA.Rows.Count);
        Assert.All(socA.Rows, r => Assert.Equal(seeded.Cloud.TownA.Id, r.Stored.Tenant));
    }

    [Fact]
    public async Task The_range_bounds_the_hunt_and_rows_come_newest_first()
    {
        HuntResult day = await RunAsync(seeded.TownAViewer, Day());
        Assert.Equal(5, day.Rows.Count);
        Assert.DoesNotContain(day.Rows, r => HuntingFields.Text(r.Event, "CommandLine") == "notepad.exe old.txt");
        Assert.Equal(day.Rows.Select(r => r.Event.Time).OrderByDescending(t => t), day.Rows.Select(r => r.Event.Time));

        HuntResult week = await RunAsync(seeded.TownAViewer, new HuntQuery(seeded.Now.AddDays(-4), seeded.Now.AddMinutes(1)));
        Assert.Equal(6, week.Rows.Count);
        Assert.Equal("notepad.exe old.txt", HuntingFields.Text(week.Rows[^1].Event, "CommandLine"));

        HuntResult capped = await View.RunAsync(seeded.TownAViewer, new HuntQuery(seeded.Now.AddDays(-4), seeded.Now.AddMinutes(1)), cap: 3);
        Assert.True(capped.Capped);
        Assert.Equal(week.Rows.Take(3).Select(r => r.Stored.Id), capped.Rows.Select(r => r.Stored.Id));
    }

    [Fact]
    public async Task A_hunt_stops_at_its_scan_bound_and_says_so()
    {
        var bounded = new HuntingView(seeded.Get<ITenancyStore>(), seeded.Get<Yamori.Cloud.Storage.IEventStore>()) { MaxScanned = 3 };
        HuntResult result = await bounded.RunAsync(seeded.TownAViewer, Day());
        Assert.True(result.ScanLimitReached);
        Assert.Equal(3, result.Scanned);
        Assert.Equal(3, result.Rows.Count);

        // The newest slices were read first.
        Assert.Equal([@"C:\Tools\x.exe", PowerShellPath], result.Rows.Take(2).Select(r => HuntingFields.Text(r.Event, "Image")));
        Assert.False((await View.RunAsync(seeded.TownAViewer, Day())).ScanLimitReached);
    }

    [Fact]
    public async Task A_sigma_rule_runs_over_history_with_the_cloud_engine_within_the_scope()
    {
        const string Rule = """
            title: Encoded PowerShell (hunt)
            id: 6d0e4b8e-0d1c-4a53-9d55-1f1c6f0a7e01
            logsource:
              product: windows
              category: process_creation
            detection:
              selection:
                Image|endswith: '\powershell.exe'
                CommandLine|contains: '-encodedcommand'
              condition: selection
            level: high
            """;
        SigmaHuntRules rules = HuntingSigma.Compile(Rule);
        Assert.True(rules.Ok, string.Join("; ", rules.Errors));

        HuntResult soc = await View.RunAsync(seeded.Soc, Day(), rules);
        HuntRow hit = Assert.Single(soc.Rows);
        Assert.Equal("a-pc-01", hit.Hostname);
        Assert.Equal("Encoded PowerShell (hunt)", hit.Note);
        Assert.Empty((await View.RunAsync(seeded.TownBAdmin, Day(), rules)).Rows);
    }

    [Fact]
    public void A_sigma_rule_that_does_not_parse_reports_the_parsers_line_and_reason()
    {
        SigmaHuntRules broken = HuntingSigma.Compile("title: x\nlogsource:\n  category: process_creation\ndetection:\n  selection:\n    Image|endswith: 'unterminated\n  condition: selection\n");
        Assert.False(broken.Ok);
        Assert.Null(broken.Engine);
        RuleError yaml = Assert.Single(broken.Errors);
        Assert.Equal("yaml", yaml.ReasonCode);
        Assert.True(yaml.Line >= 6, yaml.ToString());

        SigmaHuntRules badCondition = HuntingSigma.Compile("title: x\nid: 1b7a3a52-1f4a-4c70-8f0a-8e8f7b7c1d11\nlogsource:\n  category: process_creation\ndetection:\n  selection:\n    Image: a\n  condition: selection and nothere\n");
        Assert.False(badCondition.Ok);
        Assert.NotEmpty(badCondition.Errors);

        SigmaHuntRules nothing = HuntingSigma.Compile("title: only a title\n");
        Assert.False(nothing.Ok);
        Assert.NotEmpty(nothing.Errors);
    }

    private HuntQuery Day() => new(seeded.Now.AddDays(-1), seeded.Now.AddMinutes(1));

    private Task<HuntResult> RunAsync(Actor actor, HuntQuery query) => View.RunAsync(actor, query);

    private async Task<IReadOnlyList<HuntRow>> RowsAsync(HuntCondition condition) =>
        (await RunAsync(seeded.Soc, Day() with { Conditions = [condition] })).Rows;

    private async Task<List<string?>> CommandLinesAsync(HuntCondition condition) =>
        (await RowsAsync(condition)).Select(r => HuntingFields.Text(r.Event, "CommandLine")).ToList();
}
