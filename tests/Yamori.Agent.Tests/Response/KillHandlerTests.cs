using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Yamori.Agent.Response;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Tests.Response;

[SupportedOSPlatform("linux")]
public sealed class KillHandlerTests
{
    private readonly KillHandler _handler = new();

    [SkippableFact]
    public async Task Kills_the_process_when_pid_and_image_match()
    {
        Root.Require();
        using Process sleeper = StartSleep();
        string image = SleepImage();

        CommandOutcome outcome = await Kill(("pid", Pid(sleeper)), ("image", image));

        Assert.Equal(CommandStatus.Succeeded, outcome.Status);
        Assert.Contains(Pid(sleeper), outcome.Message, StringComparison.Ordinal);
        Assert.True(sleeper.WaitForExit(10_000), "the killed process must be gone");
        Assert.Equal(137, sleeper.ExitCode); // 128 + SIGKILL
    }

    [SkippableFact]
    public async Task A_different_image_is_not_killed_and_both_paths_are_named()
    {
        Root.Require();
        using Process sleeper = StartSleep();
        try
        {
            CommandOutcome outcome = await Kill(("pid", Pid(sleeper)), ("image", "/usr/bin/bash"));

            Assert.Equal(CommandStatus.Failed, outcome.Status);
            Assert.Contains("/usr/bin/bash", outcome.Message, StringComparison.Ordinal);
            Assert.Contains(SleepImage(), outcome.Message, StringComparison.Ordinal);
            Assert.False(sleeper.HasExited, "a process whose image does not match must survive");
            Assert.True(Directory.Exists("/proc/" + Pid(sleeper)));
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [SkippableFact]
    public async Task A_start_time_guards_against_a_reused_pid()
    {
        Root.Require();
        using Process sleeper = StartSleep();
        string start = File.ReadAllText($"/proc/{Pid(sleeper)}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[19];
        string wrong = (ulong.Parse(start, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);

        CommandOutcome refused = await Kill(("pid", Pid(sleeper)), ("image", SleepImage()), ("start_time", wrong));
        Assert.Equal(CommandStatus.Failed, refused.Status);
        Assert.Contains(wrong, refused.Message, StringComparison.Ordinal);
        Assert.False(sleeper.HasExited);

        CommandOutcome killed = await Kill(("pid", Pid(sleeper)), ("image", SleepImage()), ("start_time", start));
        Assert.Equal(CommandStatus.Succeeded, killed.Status);
        Assert.True(sleeper.WaitForExit(10_000));
    }

    [SkippableFact]
    public async Task A_process_that_does_not_exist_fails()
    {
        Root.Require();
        using Process done = Process.Start("/usr/bin/true")!;
        done.WaitForExit();

        CommandOutcome outcome = await Kill(("pid", done.Id.ToString(CultureInfo.InvariantCulture)), ("image", "/usr/bin/true"));

        Assert.Equal(CommandStatus.Failed, outcome.Status);
        Assert.Contains("no such process", outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "/usr/bin/sleep", "missing argument 'pid'")]
    [InlineData("abc", "/usr/bin/sleep", "argument 'pid' is not")]
    [InlineData("-5", "/usr/bin/sleep", "argument 'pid' is not")]
    [InlineData("1", "/usr/bin/sleep", "argument 'pid' must be")]
    [InlineData("4242", null, "missing argument 'image'")]
    [InlineData("4242", "", "missing argument 'image'")]
    public async Task Bad_arguments_are_rejected_naming_the_argument(string? pid, string? image, string expected)
    {
        var args = new Dictionary<string, string>();
        if (pid is not null)
        {
            args["pid"] = pid;
        }

        if (image is not null)
        {
            args["image"] = image;
        }

        CommandOutcome outcome = await _handler.ExecuteAsync(new CommandRequest("c1", CommandKind.Kill, args), CancellationToken.None);

        Assert.Equal(CommandStatus.Rejected, outcome.Status);
        Assert.Contains(expected, outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_does_not_kill_itself()
    {
        CommandOutcome outcome = await Kill(("pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)), ("image", Environment.ProcessPath!));

        Assert.Equal(CommandStatus.Rejected, outcome.Status);
        Assert.Contains("agent itself", outcome.Message, StringComparison.Ordinal);
    }

    private Task<CommandOutcome> Kill(params (string Key, string Value)[] args) =>
        _handler.ExecuteAsync(new CommandRequest("c1", CommandKind.Kill, args.ToDictionary(a => a.Key, a => a.Value)), CancellationToken.None);

    private static Process StartSleep() => Process.Start("/usr/bin/sleep", "1000");

    private static string Pid(Process p) => p.Id.ToString(CultureInfo.InvariantCulture);

    // The path the kernel reports for /usr/bin/sleep (the same file through /bin on merged-/usr systems).
    private static string SleepImage() => Root.RunOk("readlink", "-f", "/usr/bin/sleep").Trim();
}
