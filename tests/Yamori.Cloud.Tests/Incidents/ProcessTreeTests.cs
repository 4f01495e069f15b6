using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Cloud.Tests.Detection;
using static Yamori.Cloud.Tests.Incidents.IncidentFixtures;

namespace Yamori.Cloud.Tests.Incidents;

/// <summary>Process trees from stored process_creation events, and the incident timeline.</summary>
public sealed class ProcessTreeTests
{
    private static readonly TenantId Town = TenantId.New();
    private static readonly DeviceId Pc = DeviceId.New();

    private static TelemetryEvent Proc(DateTimeOffset at, string image, string commandLine, long pid, long ppid, string? guid = null, string? parentGuid = null, string parentImage = @"C:\Windows\explorer.exe")
    {
        var fields = new List<EventField>
        {
            new("Image", EventValue.From(image)),
            new("CommandLine", EventValue.From(commandLine)),
            new("User", EventValue.From(@"TOWN\sato")),
            new("ProcessId", EventValue.From(pid)),
            new("ParentProcessId", EventValue.From(ppid)),
            new("ParentImage", EventValue.From(parentImage)),
        };
        if (guid is not null)
        {
            fields.Add(new("ProcessGuid", EventValue.From(guid)));
        }

        if (parentGuid is not null)
        {
            fields.Add(new("ParentProcessGuid", EventValue.From(parentGuid)));
        }

        return new TelemetryEvent(at, new LogSource("windows", "process_creation", ""), fields);
    }

    private static StoredEvent Stored(long id, TelemetryEvent e) => new(id, Town, Pc, 1, (int)id, e.Time, e);

    private static IEnumerable<ProcessNode> Walk(IEnumerable<ProcessNode> nodes) => nodes.SelectMany(n => Walk(n.Children).Prepend(n));

    [Fact]
    public async Task An_alert_on_a_grandchild_shows_its_ancestors_its_children_and_nothing_unrelated()
    {
        using var h = new DetectionHarness(Rules);
        TelemetryEvent[] chain =
        [
            Proc(T0, @"C:\Windows\explorer.exe", "explorer.exe", 1000, 900, "{AAAA0000-0000-0000-0000-000000000001}", "{AAAA0000-0000-0000-0000-000000000000}", @"C:\Windows\System32\userinit.exe"),
            Proc(T0.AddSeconds(10), @"C:\Windows\System32\cmd.exe", "cmd.exe", 2000, 1000, "{AAAA0000-0000-0000-0000-000000000002}", "{AAAA0000-0000-0000-0000-000000000001}"),
            Proc(T0.AddSeconds(20), @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -nop -enc SQBFAFgA", 3000, 2000, "{AAAA0000-0000-0000-0000-000000000003}", "{AAAA0000-0000-0000-0000-000000000002}"),
            Proc(T0.AddSeconds(30), @"C:\Windows\System32\whoami.exe", "whoami /all", 4000, 3000, "{AAAA0000-0000-0000-0000-000000000004}", "{AAAA0000-0000-0000-0000-000000000003}"),
            Proc(T0.AddSeconds(40), @"C:\Windows\System32\notepad.exe", "notepad.exe", 5000, 1000, "{AAAA0000-0000-0000-0000-000000000005}", "{AAAA0000-0000-0000-0000-000000000001}"),
        ];
        CommitOutcome outcome = await h.IngestAsync(Town, Pc, 1, chain);
        Alert alert = Assert.Single(await h.AlertsAsync(Town, Pc, EncodedPowerShell));
        Assert.Equal([outcome.Stored[2].Id], alert.EventIds);
        Assert.Equal("{AAAA0000-0000-0000-0000-000000000003}", alert.ProcessGuid);

        ProcessTree tree = (await h.Incidents.GetProcessTreeAsync(Actors.Admin(Town), alert.IncidentId!.Value))!;

        // userinit (known only from explorer's Parent* fields) → explorer → cmd → powershell* → whoami.
        ProcessNode root = Assert.Single(tree.Roots);
        Assert.Null(root.EventId);
        Assert.Equal(@"C:\Windows\System32\userinit.exe", root.Image);
        ProcessNode explorer = Assert.Single(root.Children);
        Assert.Equal(outcome.Stored[0].Id, explorer.EventId);
        ProcessNode cmd = Assert.Single(explorer.Children);
        ProcessNode ps = Assert.Single(cmd.Children);
        Assert.True(ps.Involved);
        Assert.Equal("powershell.exe -nop -enc SQBFAFgA", ps.CommandLine);
        Assert.Equal(3000, ps.ProcessId);
        Assert.Equal(@"TOWN\sato", ps.User);
        Assert.Equal(T0.AddSeconds(20), ps.Time);
        ProcessNode whoami = Assert.Single(ps.Children);
        Assert.Equal("whoami /all", whoami.CommandLine);
        Assert.False(whoami.Involved);
        Assert.DoesNotContain(Walk(tree.Roots), n => n.Image == @"C:\Windows\System32\notepad.exe");
        Assert.Equal(1, Walk(tree.Roots).Count(n => n.Involved));
        Assert.Equal(5, tree.NodeCount);
        Assert.False(tree.Truncated);
    }

    [Fact]
    public void A_reused_pid_links_each_child_to_the_process_that_held_the_pid_at_the_time()
    {
        // No guids (Security 4688-style telemetry): pid 100 is first old.exe, later cmd.exe.
        StoredEvent old = Stored(1, Proc(T0, @"C:\old.exe", "old.exe", 100, 1));
        StoredEvent earlyChild = Stored(2, Proc(T0.AddSeconds(5), @"C:\early.exe", "early.exe", 200, 100));
        StoredEvent reused = Stored(3, Proc(T0.AddMinutes(5), @"C:\Windows\System32\cmd.exe", "cmd.exe", 100, 1));
        StoredEvent lateChild = Stored(4, Proc(T0.AddMinutes(6), @"C:\late.exe", "late.exe", 300, 100));

        ProcessTree tree = ProcessTreeBuilder.Build([lateChild, reused, earlyChild, old], e => e.Id is 2 or 4);

        ProcessNode[] nodes = [.. Walk(tree.Roots)];
        ProcessNode oldNode = nodes.Single(n => n.EventId == 1);
        ProcessNode cmdNode = nodes.Single(n => n.EventId == 3);
        Assert.Equal([2L], oldNode.Children.Select(c => c.EventId!.Value));
        Assert.Equal([4L], cmdNode.Children.Select(c => c.EventId!.Value));
    }

    [Fact]
    public void The_tree_is_bounded()
    {
        var events = new List<StoredEvent> { Stored(1, Proc(T0, @"C:\root.exe", "root", 10, 1)) };
        for (int i = 0; i < 50; i++)
        {
            events.Add(Stored(2 + i, Proc(T0.AddSeconds(i + 1), @"C:\child.exe", "child " + i, 100 + i, 10)));
        }

        ProcessTree tree = ProcessTreeBuilder.Build(events, e => e.Id == 1, maxNodes: 10);
        Assert.True(tree.Truncated);
        Assert.Equal(10, Walk(tree.Roots).Count(n => n.EventId is not null));
    }

    [Fact]
    public async Task The_timeline_lists_alerts_and_their_raw_events_in_time_order()
    {
        using var h = new DetectionHarness(Rules);
        CommitOutcome first = await h.IngestAsync(Town, Pc, 1, Proc(T0, @"C:\x\powershell.exe", "powershell -enc AAAA", 10, 1));
        CommitOutcome second = await h.IngestAsync(Town, Pc, 2, Proc(T0.AddMinutes(2), @"C:\x\powershell.exe", "powershell -enc BBBB", 11, 1));
        Alert alert = Assert.Single(await h.AlertsAsync(Town, Pc, EncodedPowerShell));
        Assert.Equal(2, alert.Count);

        IReadOnlyList<TimelineEntry> timeline = await h.Incidents.GetTimelineAsync(Actors.Admin(Town), alert.IncidentId!.Value);

        Assert.Equal([TimelineEntryKind.Alert, TimelineEntryKind.Event, TimelineEntryKind.Event], timeline.Select(e => e.Kind));
        Assert.Equal(alert.Id, timeline[0].Alert!.Id);
        Assert.Equal([first.Stored[0].Id, second.Stored[0].Id], timeline.Skip(1).Select(e => e.Event!.Id));
        Assert.Equal([T0, T0, T0.AddMinutes(2)], timeline.Select(e => e.Time));
        Assert.All(timeline, e => Assert.Equal([alert.Id], e.AlertIds));
        Assert.Equal("powershell -enc BBBB", timeline[2].Event!.Event.Fields.Single(f => f.Name == "CommandLine").Value.AsString);
    }
}
