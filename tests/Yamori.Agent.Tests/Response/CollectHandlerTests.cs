using System.Runtime.Versioning;
using Yamori.Agent.Response;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Tests.Response;

[SupportedOSPlatform("linux")]
public sealed class CollectHandlerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("yamori-collect-").FullName;
    private readonly DirectoryChunkUploader _uploader;
    private readonly string _staging;

    public CollectHandlerTests()
    {
        _uploader = new DirectoryChunkUploader(Path.Combine(_root, "received"), chunkSize: 64 * 1024);
        _staging = Path.Combine(_root, "staging");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [SkippableFact]
    public async Task A_file_is_hashed_like_sha256sum_and_its_chunks_reassemble_to_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        string path = Path.Combine(_root, "evidence.bin");
        byte[] content = new byte[(3 * 1024 * 1024) + 12345];
        Random.Shared.NextBytes(content);
        await File.WriteAllBytesAsync(path, content);
        string expected = Root.RunOk("sha256sum", path).Split(' ')[0];

        CommandOutcome outcome = await Collect(new CollectOptions { StagingDirectory = _staging }, ("path", path));

        Assert.Equal(CommandStatus.Succeeded, outcome.Status);
        Assert.Equal(expected, outcome.Sha256);
        Assert.Equal((ulong)content.Length, outcome.SizeBytes);
        Assert.Contains(expected, outcome.Message, StringComparison.Ordinal);
        (string commandId, string fileName, long length, string sha, int chunks) = Assert.Single(_uploader.Uploads);
        Assert.Equal(("cmd-1", "evidence.bin", (long)content.Length, expected), (commandId, fileName, length, sha));
        Assert.True(chunks > 1, "a 3 MiB file must arrive in several chunks");
        Assert.Equal(content, _uploader.Reassemble("cmd-1"));
        Assert.Empty(Directory.GetFiles(_staging)); // the staging copy is gone
    }

    [SkippableFact]
    public async Task A_file_over_the_cap_is_refused_naming_size_and_cap()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        string path = Path.Combine(_root, "big.bin");
        await File.WriteAllBytesAsync(path, new byte[2000]);

        CommandOutcome outcome = await Collect(new CollectOptions { StagingDirectory = _staging, MaxBytes = 1000 }, ("path", path));

        Assert.Equal(CommandStatus.Failed, outcome.Status);
        Assert.Contains("2000", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("1000", outcome.Message, StringComparison.Ordinal);
        Assert.Empty(_uploader.Uploads);
    }

    [SkippableFact]
    public async Task The_commands_max_bytes_can_lower_the_cap_but_not_raise_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        string path = Path.Combine(_root, "mid.bin");
        await File.WriteAllBytesAsync(path, new byte[500]);
        var options = new CollectOptions { StagingDirectory = _staging, MaxBytes = 1000 };

        CommandOutcome lowered = await Collect(options, ("path", path), ("max_bytes", "100"));
        Assert.Equal(CommandStatus.Failed, lowered.Status);
        Assert.Contains("cap of 100 bytes", lowered.Message, StringComparison.Ordinal);

        string bigger = Path.Combine(_root, "bigger.bin");
        await File.WriteAllBytesAsync(bigger, new byte[1500]);
        CommandOutcome raised = await Collect(options, ("path", bigger), ("max_bytes", "100000"));
        Assert.Equal(CommandStatus.Failed, raised.Status);
        Assert.Contains("cap of 1000 bytes", raised.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_symlink_is_refused_as_last_component_and_inside_the_path()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        string secretDir = Path.Combine(_root, "secret");
        Directory.CreateDirectory(secretDir);
        string target = Path.Combine(secretDir, "shadow");
        await File.WriteAllTextAsync(target, "not for the cloud");
        string fileLink = Path.Combine(_root, "link");
        File.CreateSymbolicLink(fileLink, target);
        string dirLink = Path.Combine(_root, "dirlink");
        Directory.CreateSymbolicLink(dirLink, secretDir);

        CommandOutcome viaFile = await Collect(new CollectOptions { StagingDirectory = _staging }, ("path", fileLink));
        CommandOutcome viaDir = await Collect(new CollectOptions { StagingDirectory = _staging }, ("path", Path.Combine(dirLink, "shadow")));

        Assert.Equal(CommandStatus.Rejected, viaFile.Status);
        Assert.Contains("symbolic link", viaFile.Message, StringComparison.Ordinal);
        Assert.Equal(CommandStatus.Rejected, viaDir.Status);
        Assert.Contains("symbolic link", viaDir.Message, StringComparison.Ordinal);
        Assert.Empty(_uploader.Uploads);
    }

    [SkippableFact]
    public async Task Non_regular_files_and_kernel_pseudo_files_are_refused()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        string fifo = Path.Combine(_root, "pipe");
        Root.RunOk("mkfifo", fifo);
        var options = new CollectOptions { StagingDirectory = _staging };

        CommandOutcome directory = await Collect(options, ("path", _root));
        CommandOutcome pipe = await Collect(options, ("path", fifo)); // must not block on a FIFO without writer
        string charDevice = Path.Combine(_root, "null");
        Root.RunOk("mknod", charDevice, "c", "1", "3");
        CommandOutcome device = await Collect(options, ("path", charDevice));
        CommandOutcome dev = await Collect(options, ("path", "/dev/zero"));
        CommandOutcome proc = await Collect(options, ("path", "/proc/self/environ"));
        CommandOutcome sys = await Collect(options, ("path", "/sys/kernel/../kernel/uevent_seqnum"));

        Assert.Equal((CommandStatus.Rejected, true), (directory.Status, directory.Message.Contains("a directory", StringComparison.Ordinal)));
        Assert.Equal((CommandStatus.Rejected, true), (pipe.Status, pipe.Message.Contains("a FIFO", StringComparison.Ordinal)));
        Assert.Equal((CommandStatus.Rejected, true), (device.Status, device.Message.Contains("a character device", StringComparison.Ordinal)));
        Assert.Equal((CommandStatus.Rejected, true), (proc.Status, proc.Message.Contains("/proc", StringComparison.Ordinal)));
        Assert.Equal((CommandStatus.Rejected, true), (sys.Status, sys.Message.Contains("/sys", StringComparison.Ordinal)));
        Assert.Equal((CommandStatus.Rejected, true), (dev.Status, dev.Message.Contains("/dev", StringComparison.Ordinal)));
        Assert.Empty(_uploader.Uploads);
    }

    [SkippableFact]
    public async Task The_agents_own_data_directory_is_never_collected()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        string data = Path.Combine(_root, "agent-data");
        Directory.CreateDirectory(Path.Combine(data, "identity"));
        string key = Path.Combine(data, "identity", "device.key");
        File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----");
        var options = new CollectOptions { StagingDirectory = _staging, ProtectedDirectories = [data] };

        CommandOutcome direct = await Collect(options, ("path", key));
        CommandOutcome dotted = await Collect(options, ("path", Path.Combine(_root, "x", "..", "agent-data", "identity", "device.key")));

        Assert.Equal(CommandStatus.Rejected, direct.Status);
        Assert.Contains("own data directory", direct.Message, StringComparison.Ordinal);
        Assert.Equal(CommandStatus.Rejected, dotted.Status);
        Assert.Empty(_uploader.Uploads);
    }

    [SkippableFact]
    public async Task Bad_paths_are_rejected_or_fail_with_the_reason()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        var options = new CollectOptions { StagingDirectory = _staging };

        CommandOutcome missingArg = await Collect(options);
        CommandOutcome relative = await Collect(options, ("path", "etc/passwd"));
        CommandOutcome absent = await Collect(options, ("path", Path.Combine(_root, "nope")));
        CommandOutcome badCap = await Collect(options, ("path", "/etc/passwd"), ("max_bytes", "lots"));

        Assert.Equal((CommandStatus.Rejected, "missing argument 'path'"), (missingArg.Status, missingArg.Message));
        Assert.Equal(CommandStatus.Rejected, relative.Status);
        Assert.Contains("absolute", relative.Message, StringComparison.Ordinal);
        Assert.Equal(CommandStatus.Failed, absent.Status);
        Assert.Contains("does not exist", absent.Message, StringComparison.Ordinal);
        Assert.Equal(CommandStatus.Rejected, badCap.Status);
        Assert.Contains("'max_bytes'", badCap.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_failed_upload_is_reported_not_thrown()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        string path = Path.Combine(_root, "f.txt");
        await File.WriteAllTextAsync(path, "hello");

        // The receiving directory is a file, so the uploader's first chunk write fails for real.
        string blocked = Path.Combine(_root, "blocked");
        await File.WriteAllTextAsync(blocked, "x");
        var handler = new CollectHandler(new DirectoryChunkUploader(blocked), new CollectOptions { StagingDirectory = _staging });

        CommandOutcome outcome = await handler.ExecuteAsync(new CommandRequest("cmd-1", CommandKind.Collect, new Dictionary<string, string> { ["path"] = path }), CancellationToken.None);

        Assert.Equal(CommandStatus.Failed, outcome.Status);
        Assert.Contains("upload failed", outcome.Message, StringComparison.Ordinal);
    }

    private Task<CommandOutcome> Collect(CollectOptions options, params (string Key, string Value)[] args) =>
        new CollectHandler(_uploader, options).ExecuteAsync(
            new CommandRequest("cmd-1", CommandKind.Collect, args.ToDictionary(a => a.Key, a => a.Value)),
            CancellationToken.None);
}
