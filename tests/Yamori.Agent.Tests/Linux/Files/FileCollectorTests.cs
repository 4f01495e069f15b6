using System.Diagnostics;
using Yamori.Agent.Linux.Files;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Linux.Files;

/// <summary>Real fanotify on this kernel: real processes change real files in temporary directories.</summary>
public sealed class FileCollectorTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("yamori-file-");

    public void Dispose() => _temp.Delete(recursive: true);

    internal static void SkipUnlessRoot() =>
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess, "fanotify needs root on Linux (CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH)");

    [SkippableFact]
    public async Task Shell_create_modify_rename_delete_are_reported_with_the_acting_process()
    {
        SkipUnlessRoot();
        string dir = Mkdir("watched");
        var sink = new CollectingSink();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(dir)], ModifyCoalesceWindow = TimeSpan.FromSeconds(1) });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            using Process sh = Start("/bin/sh", "-c", "cd \"$1\" && echo x > f && echo y >> f && mv f g && rm g && { read line || true; }", "sh", dir);
            string f = Path.Combine(dir, "f"), g = Path.Combine(dir, "g");
            string dash = RealPath("/bin/sh");

            FlatEvent create = sink.WaitFor(e => e.Field("EventType") == "create" && e.Field("TargetFilename") == f, "create f").Event;
            Assert.Equal(sh.Id.ToString(), create.Field("ProcessId"));
            Assert.Equal(dash, create.Field("Image"));
            Assert.Equal("root", create.Field("User"));
            Assert.Equal(new LogSourceHint("linux", "file_event", null), create.Source);

            (FlatEvent modify, EventPriority modifyPriority) = sink.WaitFor(e => e.Field("EventType") == "modify" && e.Field("TargetFilename") == f, "modify f");
            Assert.Equal(sh.Id.ToString(), modify.Field("ProcessId"));
            Assert.Equal(dash, modify.Field("Image"));
            Assert.Equal(EventPriority.Low, modifyPriority);

            (FlatEvent rename, EventPriority renamePriority) = sink.WaitFor(e => e.Field("EventType") == "rename", "rename f -> g");
            Assert.Equal(g, rename.Field("TargetFilename"));
            Assert.Equal(f, rename.Field("SourceFilename"));
            Assert.Equal(EventPriority.Normal, renamePriority);
            AssertChildOf(sh, rename, "/usr/bin/mv");

            FlatEvent delete = sink.WaitFor(e => e.Field("EventType") == "delete" && e.Field("TargetFilename") == g, "delete g").Event;
            AssertChildOf(sh, delete, "/usr/bin/rm");

            // Order as it happened: the pending modify is flushed before the rename that ends it.
            List<string?> order = [.. sink.Snapshot().Select(x => x.Event.Field("EventType"))];
            Assert.Equal(["create", "modify", "rename", "delete"], order);
            await Finish(sh);
        }

        Assert.Equal(0, collector.Overflows);
        Assert.Equal(4, collector.Published);
    }

    [SkippableFact]
    public async Task One_process_doing_everything_keeps_its_image_on_every_event()
    {
        SkipUnlessRoot();
        string dir = Mkdir("watched");
        var sink = new CollectingSink();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(dir)] });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            // perl stays alive (reads stdin) so its /proc entry is there whenever the collector looks.
            using Process perl = Start("/usr/bin/perl", "-e",
                "chdir $ARGV[0] or die; open(my $f, '>', 'a.txt') or die; print $f 'x'; close $f; rename('a.txt', 'b.txt') or die; unlink('b.txt') or die; <STDIN>;", dir);
            string a = Path.Combine(dir, "a.txt"), b = Path.Combine(dir, "b.txt");
            FlatEvent delete = sink.WaitFor(e => e.Field("EventType") == "delete" && e.Field("TargetFilename") == b, "delete b.txt").Event;
            var events = sink.Snapshot().Select(x => x.Event).ToList();
            Assert.Equal(["create", "modify", "rename", "delete"], events.Select(e => e.Field("EventType")));
            Assert.Equal([a, a, b, b], events.Select(e => e.Field("TargetFilename")));
            Assert.Equal(a, events[2].Field("SourceFilename"));
            Assert.All(events, e => Assert.Equal(RealPath("/usr/bin/perl"), e.Field("Image")));
            Assert.All(events, e => Assert.Equal(perl.Id.ToString(), e.Field("ProcessId")));
            await Finish(perl);
        }
    }

    [SkippableFact]
    public async Task Files_outside_the_watched_directories_do_not_appear()
    {
        SkipUnlessRoot();
        string dir = Mkdir("watched");
        string sub = Mkdir("watched/sub");
        string outside = Mkdir("outside");
        var sink = new CollectingSink();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(dir, Recursive: false)] });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            await Run("/bin/sh", "-c", "echo 1 > \"$1/x\"; echo 2 > \"$2/y\"; : > \"$3/sentinel\"", "sh", outside, sub, dir);
            sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(dir, "sentinel"), "sentinel");
        }

        // fanotify delivers in order, so anything from the earlier writes would be here by now.
        Assert.DoesNotContain(sink.Snapshot(), x => x.Event.Field("TargetFilename")!.StartsWith(outside, StringComparison.Ordinal));
        Assert.DoesNotContain(sink.Snapshot(), x => x.Event.Field("TargetFilename")!.StartsWith(sub + "/", StringComparison.Ordinal));
        Assert.Single(sink.Snapshot());
    }

    [SkippableFact]
    public async Task Recursive_watch_follows_new_and_renamed_subdirectories()
    {
        SkipUnlessRoot();
        string dir = Mkdir("tree");
        string deep = Mkdir("tree/a/b");
        var sink = new CollectingSink();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(dir, Recursive: true)] });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(3, collector.MarksPlaced);
            await Run("/bin/sh", "-c", ": > \"$1/deep.txt\"; mkdir \"$2/new\"", "sh", deep, dir);
            sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(deep, "deep.txt"), "file in a pre-existing subdirectory");

            // The new directory is marked before its create event is published.
            FlatEvent mkdir = sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(dir, "new"), "mkdir new").Event;
            Assert.Equal("true", mkdir.Field("IsDirectory"));
            await Run("/bin/sh", "-c", ": > \"$1/new/inside.txt\"; mv \"$1/new\" \"$1/renamed\"; : > \"$1/renamed/after.txt\"", "sh", dir);
            sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(dir, "new", "inside.txt"), "file in the new subdirectory");
            FlatEvent moved = sink.WaitFor(e => e.Field("EventType") == "rename", "directory rename").Event;
            Assert.Equal(Path.Combine(dir, "new"), moved.Field("SourceFilename"));
            sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(dir, "renamed", "after.txt"), "file under the renamed directory's new path");

            // mkdir -p then a file at once: the file may beat the marks, and is then found by the walk of the new subtree.
            await Run("/bin/sh", "-c", "mkdir -p \"$1/x/y/z\" && : > \"$1/x/y/z/deep\"", "sh", dir);
            FlatEvent deepFile = sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(dir, "x", "y", "z", "deep"), "a file created right after mkdir -p").Event;
            Assert.Equal("create", deepFile.Field("EventType"));
            await Run("/bin/sh", "-c", ": > \"$1/x/y/z/later\"", "sh", dir);
            sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(dir, "x", "y", "z", "later") && e.Field("Discovered") is null, "a later file in the deepest new directory");
        }

        Assert.Equal(0, collector.Unresolved);
    }

    [SkippableFact]
    public async Task Repeated_modifications_by_one_process_become_one_event_with_a_count()
    {
        SkipUnlessRoot();
        string dir = Mkdir("watched");
        var sink = new CollectingSink();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(dir)], ModifyCoalesceWindow = TimeSpan.FromSeconds(5) });
        string log = Path.Combine(dir, "app.log");
        string? shellPid = null;
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            // The collector ignores its own process (the test), so a child writes.
            await Run("/bin/sh", "-c", "echo start > \"$1\"", "sh", log);
            sink.WaitFor(e => e.Field("EventType") == "create", "the first write");

            // 200 appends by one shell (echo is a builtin: one pid), several kernel reads apart.
            using Process sh = Start("/bin/sh", "-c", "for i in $(seq 200); do echo line $i >> \"$1\"; done; : > \"$1.done\"; read x || true", "sh", log);
            sink.WaitFor(e => e.Field("TargetFilename") == log + ".done", "end marker");
            FlatEvent modify = sink.WaitFor(e => e.Field("EventType") == "modify" && e.Field("ProcessId") == sh.Id.ToString(), "coalesced modify").Event;
            int count = int.Parse(modify.Field("ModifyCount")!);
            Assert.InRange(count, 1, 200);
            shellPid = sh.Id.ToString();
            await Finish(sh);
        }

        // Shutdown flushed everything; the shell's 200 writes left exactly one event.
        Assert.Single(sink.Snapshot(), x => x.Event.Field("EventType") == "modify" && x.Event.Field("ProcessId") == shellPid);
    }

    [SkippableFact]
    public async Task Missing_directories_are_reported_and_the_rest_still_watched()
    {
        SkipUnlessRoot();
        string dir = Mkdir("watched");
        string missing = Path.Combine(_temp.FullName, "does-not-exist");
        var sink = new CollectingSink();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(missing), new WatchedDirectory(dir)] });
        await using (new CollectorRun(collector, sink))
        {
            await collector.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains(collector.UnwatchedDirectories, u => u.StartsWith(missing, StringComparison.Ordinal));
            await Run("/bin/sh", "-c", "echo 1 > \"$1/ok\"", "sh", dir);
            sink.WaitFor(e => e.Field("TargetFilename") == Path.Combine(dir, "ok"), "file in the existing directory");
        }
    }

    [SkippableFact]
    public async Task Only_missing_directories_make_the_collector_unavailable()
    {
        SkipUnlessRoot();
        var collector = new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory(Path.Combine(_temp.FullName, "nope"))] });
        var ex = await Assert.ThrowsAsync<CollectorUnavailableException>(() => collector.RunAsync(new CollectingSink(), CancellationToken.None));
        Assert.Contains("nope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_are_refused_with_the_reason()
    {
        Assert.Contains("absolute", Assert.Throws<ArgumentException>(() => new FileCollector(new FileCollectorOptions { Directories = [new WatchedDirectory("relative/dir")] })).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new FileCollector(new FileCollectorOptions())).Message, StringComparison.Ordinal);
    }

    /// <summary>What the kernel reports as the executable: every symlink resolved, /bin itself included.</summary>
    internal static string RealPath(string path)
    {
        using Process p = Start("/usr/bin/readlink", "-f", path);
        string real = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return real;
    }

    internal static Process Start(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }

    internal static async Task Run(string file, params string[] args)
    {
        using Process p = Start(file, args);
        p.StandardInput.Close();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await p.StandardError.ReadToEndAsync()}");
    }

    internal static async Task Finish(Process p)
    {
        p.StandardInput.Close();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(p.ExitCode == 0, $"child exited {p.ExitCode}: {await p.StandardError.ReadToEndAsync()}");
    }

    private static void AssertChildOf(Process parent, FlatEvent e, string image)
    {
        // mv and rm are children of the shell with their own pid; they may have exited before the
        // collector read /proc, in which case the image is empty but the pid is kept.
        Assert.NotEqual(parent.Id.ToString(), e.Field("ProcessId"));
        Assert.True(int.Parse(e.Field("ProcessId")!) > 0);
        Assert.Contains(e.Field("Image"), new[] { image, string.Empty });
    }

    private string Mkdir(string relative) => Directory.CreateDirectory(Path.Combine(_temp.FullName, relative)).FullName;
}
