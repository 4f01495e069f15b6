using Bunit;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Components.Incidents;
using Yamori.SocConsole.Localization;

namespace Yamori.SocConsole.Tests.Incidents;

public sealed class ProcessTreeViewTests : IDisposable
{
    private static readonly DeviceId Device = new(Guid.CreateVersion7());
    private readonly BunitContext _context = new();

    [Fact]
    public void Children_are_drawn_under_their_parent_and_the_detected_process_is_marked()
    {
        ProcessNode certutil = Node(6484, @"C:\Windows\System32\certutil.exe", "certutil.exe -urlcache -f https://example.test/a.yaml a.yaml", involved: true);
        ProcessNode whoami = Node(7000, @"C:\Windows\System32\whoami.exe", "whoami /all");
        ProcessNode cmd = Node(6304, @"C:\Windows\System32\cmd.exe", "\"C:\\Windows\\System32\\cmd.exe\"", children: [certutil, whoami]);

        IRenderedComponent<ProcessTreeView> cut = Render(new ProcessTree([cmd], 3, Truncated: false));

        var root = cut.Find("[data-testid=process-tree] > li");
        Assert.Equal("6304", root.GetAttribute("data-pid"));
        Assert.Contains("cmd.exe", root.QuerySelector(".image")!.TextContent, StringComparison.Ordinal);
        var children = root.QuerySelectorAll(":scope > ul > li");
        Assert.Equal(["6484", "7000"], children.Select(c => c.GetAttribute("data-pid")!));
        Assert.Equal("true", children[0].GetAttribute("data-involved"));
        Assert.Equal("false", children[1].GetAttribute("data-involved"));
        Assert.Contains("certutil.exe -urlcache", children[0].QuerySelector(".cmd")!.TextContent, StringComparison.Ordinal);
        Assert.Single(cut.FindAll(".proc.involved"));
        Assert.Empty(cut.FindAll("[data-testid=process-tree-truncated]"));
    }

    [Fact]
    public void A_kill_button_hands_over_the_process_it_sits_on_or_is_disabled_with_the_reason()
    {
        ProcessNode target = Node(4242, "/usr/bin/nc", "nc -l 4444", involved: true);
        var parentOnly = new ProcessNode(null, Device, null, "/bin/bash", null, null, null, null, false, [target]);
        ProcessNode? killed = null;

        IRenderedComponent<ProcessTreeView> cut = Render(new ProcessTree([parentOnly], 2, false), p => p
            .Add(x => x.OnKill, Microsoft.AspNetCore.Components.EventCallback.Factory.Create<ProcessNode>(this, n => killed = n)));

        // Only a process with a pid and an image can be killed.
        var button = Assert.Single(cut.FindAll("[data-testid=kill-process]"));
        button.Click();
        Assert.Same(target, killed);

        IRenderedComponent<ProcessTreeView> refused = Render(new ProcessTree([target], 1, false), p => p
            .Add(x => x.OnKill, Microsoft.AspNetCore.Components.EventCallback.Factory.Create<ProcessNode>(this, _ => throw new InvalidOperationException("must not be called")))
            .Add(x => x.KillRefusal, "town-viewer may not kill"));
        var disabled = refused.Find("[data-testid=kill-process]");
        Assert.True(disabled.HasAttribute("disabled"));
        Assert.Equal("town-viewer may not kill", disabled.GetAttribute("title"));
    }

    [Fact]
    public void An_empty_tree_says_so_and_a_truncated_one_says_how_much_is_shown()
    {
        Assert.Equal(UiText.For("ja")["Incident.Tree.Empty"], Render(new ProcessTree([], 0, false)).Find("[data-testid=process-tree-empty]").TextContent);
        Assert.Equal(UiText.For("ja")["Incident.Tree.Empty"], Render(null).Find("[data-testid=process-tree-empty]").TextContent);

        IRenderedComponent<ProcessTreeView> truncated = Render(new ProcessTree([Node(1, "/sbin/init", "init")], 500, Truncated: true));
        Assert.Contains("500", truncated.Find("[data-testid=process-tree-truncated]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_process_without_an_image_or_command_line_shows_unknown_not_a_blank()
    {
        var bare = new ProcessNode(null, Device, null, null, null, null, 77, null, false, []);
        IRenderedComponent<ProcessTreeView> cut = Render(new ProcessTree([bare], 1, false), language: "en");
        Assert.Equal("(unknown)", cut.Find(".image").TextContent);
        Assert.Equal("(unknown)", cut.Find(".cmd").TextContent);
    }

    private IRenderedComponent<ProcessTreeView> Render(ProcessTree? tree, Action<ComponentParameterCollectionBuilder<ProcessTreeView>>? more = null, string language = "ja") =>
        _context.Render<ProcessTreeView>(p =>
        {
            p.Add(x => x.Tree, tree).AddCascadingValue(UiText.For(language));
            more?.Invoke(p);
        });

    private static ProcessNode Node(long pid, string image, string commandLine, bool involved = false, IReadOnlyList<ProcessNode>? children = null) =>
        new(pid, Device, DateTimeOffset.UnixEpoch.AddSeconds(pid), image, commandLine, "ATTACKRANGE\\Administrator", pid, null, involved, children ?? []);

    public void Dispose() => _context.Dispose();
}
