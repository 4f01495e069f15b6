using Google.Protobuf.WellKnownTypes;
using Yamori.Agent.Response;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Tests.Response;

public sealed class CommandDispatcherTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("yamori-dispatch-").FullName;
    private readonly ManualTime _time = new(T0);

    private string JournalPath => Path.Combine(_dir, "commands.journal");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_redelivered_command_returns_the_recorded_outcome_without_running_again()
    {
        var query = new CountingHandler(CommandKind.Query, _ => CommandOutcome.Succeeded("ran", [1, 2, 3]));
        using var journal = ReplayJournal.Open(JournalPath);
        var dispatcher = new CommandDispatcher([query], journal, _time);

        CommandResult first = await dispatcher.DispatchAsync(Wire("c-1", CommandKind.Query), CancellationToken.None);
        _time.Now = T0.AddMinutes(1);
        CommandResult second = await dispatcher.DispatchAsync(Wire("c-1", CommandKind.Query), CancellationToken.None);

        Assert.Equal(1, query.Executions);
        Assert.Equal(CommandStatus.Succeeded, first.Status);
        Assert.Equal("c-1", first.CommandId);
        Assert.Equal(Timestamp.FromDateTimeOffset(T0), first.FinishedAt);
        Assert.Equal(first, second); // same status, message, output and finished_at: the recorded result
    }

    [Fact]
    public async Task The_journal_survives_reopening()
    {
        using (ReplayJournal journal = ReplayJournal.Open(JournalPath))
        {
            var kill = new CountingHandler(CommandKind.Kill, _ => CommandOutcome.Failed("image mismatch"));
            await new CommandDispatcher([kill], journal, _time).DispatchAsync(Wire("c-2", CommandKind.Kill), CancellationToken.None);
            Assert.Equal(1, kill.Executions);
        }

        using ReplayJournal reopened = ReplayJournal.Open(JournalPath);
        var again = new CountingHandler(CommandKind.Kill, _ => CommandOutcome.Succeeded("must not run"));
        CommandResult result = await new CommandDispatcher([again], reopened, _time).DispatchAsync(Wire("c-2", CommandKind.Kill), CancellationToken.None);

        Assert.Equal(0, again.Executions);
        Assert.Equal((CommandStatus.Failed, "image mismatch"), (result.Status, result.Message));
        Assert.Equal(0, reopened.CorruptLinesSkipped);
    }

    [Fact]
    public async Task An_expired_command_is_not_carried_out()
    {
        var isolate = new CountingHandler(CommandKind.Isolate, _ => CommandOutcome.Succeeded("isolated"));
        using var journal = ReplayJournal.Open(JournalPath);
        var dispatcher = new CommandDispatcher([isolate], journal, _time);
        Command late = Wire("c-3", CommandKind.Isolate);
        late.ExpiresAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(-1));

        CommandResult result = await dispatcher.DispatchAsync(late, CancellationToken.None);

        Assert.Equal(CommandStatus.Expired, result.Status);
        Assert.Contains("expired at 2026-11-26T08:59:59", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, isolate.Executions);
    }

    [Fact]
    public async Task A_command_without_expiry_is_rejected()
    {
        var isolate = new CountingHandler(CommandKind.Isolate, _ => CommandOutcome.Succeeded("isolated"));
        using var journal = ReplayJournal.Open(JournalPath);
        Command open = Wire("c-4", CommandKind.Isolate);
        open.ExpiresAt = null;

        CommandResult result = await new CommandDispatcher([isolate], journal, _time).DispatchAsync(open, CancellationToken.None);

        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.Contains("expires_at", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, isolate.Executions);
    }

    [Fact]
    public async Task An_unknown_kind_is_rejected()
    {
        using var journal = ReplayJournal.Open(JournalPath);
        var dispatcher = new CommandDispatcher([new CountingHandler(CommandKind.Kill, _ => CommandOutcome.Succeeded("x"))], journal, _time);

        CommandResult unsupported = await dispatcher.DispatchAsync(Wire("c-5", CommandKind.Collect), CancellationToken.None);
        CommandResult unknown = await dispatcher.DispatchAsync(Wire("c-6", (CommandKind)99), CancellationToken.None);

        Assert.Equal(CommandStatus.Rejected, unsupported.Status);
        Assert.Contains("Collect", unsupported.Message, StringComparison.Ordinal);
        Assert.Equal(CommandStatus.Rejected, unknown.Status);
        Assert.Contains("99", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_that_throws_becomes_a_failed_result()
    {
        var collect = new CountingHandler(CommandKind.Collect, (Func<CommandRequest, CommandOutcome>)(_ => throw new InvalidOperationException("disk on fire")));
        using var journal = ReplayJournal.Open(JournalPath);

        CommandResult result = await new CommandDispatcher([collect], journal, _time).DispatchAsync(Wire("c-7", CommandKind.Collect), CancellationToken.None);

        Assert.Equal(CommandStatus.Failed, result.Status);
        Assert.Contains("disk on fire", result.Message, StringComparison.Ordinal);
        Assert.True(journal.TryGet("c-7", out _));
    }

    [Fact]
    public async Task Two_deliveries_at_once_run_the_command_once()
    {
        var gate = new TaskCompletionSource();
        var query = new CountingHandler(CommandKind.Query, async _ =>
        {
            await gate.Task;
            return CommandOutcome.Succeeded("once");
        });
        using var journal = ReplayJournal.Open(JournalPath);
        var dispatcher = new CommandDispatcher([query], journal, _time);

        Task<CommandResult> a = dispatcher.DispatchAsync(Wire("c-8", CommandKind.Query), CancellationToken.None);
        Task<CommandResult> b = dispatcher.DispatchAsync(Wire("c-8", CommandKind.Query), CancellationToken.None);
        gate.SetResult();

        Assert.Equal(await a, await b);
        Assert.Equal(1, query.Executions);
    }

    [Fact]
    public async Task Arguments_reach_the_handler()
    {
        CommandRequest? seen = null;
        var kill = new CountingHandler(CommandKind.Kill, r =>
        {
            seen = r;
            return CommandOutcome.Succeeded("ok");
        });
        using var journal = ReplayJournal.Open(JournalPath);
        Command command = Wire("c-9", CommandKind.Kill);
        command.Args["pid"] = "42";
        command.Args["image"] = "/usr/bin/sleep";

        await new CommandDispatcher([kill], journal, _time).DispatchAsync(command, CancellationToken.None);

        Assert.Equal(("c-9", CommandKind.Kill, "42", "/usr/bin/sleep"), (seen!.Id, seen.Kind, seen.Args["pid"], seen.Args["image"]));
    }

    [Fact]
    public void The_journal_keeps_only_the_newest_entries_and_skips_a_torn_line()
    {
        using (ReplayJournal journal = ReplayJournal.Open(JournalPath, capacity: 3))
        {
            for (int i = 0; i < 10; i++)
            {
                journal.Record($"id-{i}", CommandOutcome.Succeeded($"done {i}"), T0.AddSeconds(i));
            }

            Assert.Equal(3, journal.Count);
            Assert.False(journal.TryGet("id-6", out _));
            Assert.True(journal.TryGet("id-7", out _));
        }

        // A power loss in the middle of an append leaves a partial last line.
        File.AppendAllText(JournalPath, "{\"id\":\"id-10\",\"mess");

        using ReplayJournal reopened = ReplayJournal.Open(JournalPath, capacity: 3);
        Assert.Equal(1, reopened.CorruptLinesSkipped);
        Assert.Equal(3, reopened.Count);
        Assert.True(reopened.TryGet("id-9", out JournalEntry? last));
        Assert.Equal(("done 9", T0.AddSeconds(9)), (last!.Outcome.Message, last.FinishedAt));

        // The torn line is gone from the file, so the next append starts on a line of its own.
        reopened.Record("id-11", CommandOutcome.Succeeded("after"), T0);
        Assert.DoesNotContain("id-10", File.ReadAllText(JournalPath), StringComparison.Ordinal);
        Assert.All(File.ReadAllLines(JournalPath), l => System.Text.Json.JsonDocument.Parse(l).Dispose());
    }

    [Fact]
    public async Task A_large_output_is_not_kept_for_replay_and_the_replay_says_so()
    {
        var query = new CountingHandler(CommandKind.Query, _ => CommandOutcome.Succeeded("rows", new byte[ReplayJournal.MaxKeptOutputBytes + 1]));
        using var journal = ReplayJournal.Open(JournalPath);
        var dispatcher = new CommandDispatcher([query], journal, _time);

        CommandResult first = await dispatcher.DispatchAsync(Wire("c-10", CommandKind.Query), CancellationToken.None);
        CommandResult replayed = await dispatcher.DispatchAsync(Wire("c-10", CommandKind.Query), CancellationToken.None);

        Assert.Equal(ReplayJournal.MaxKeptOutputBytes + 1, first.Output.Length);
        Assert.True(replayed.Output.IsEmpty);
        Assert.Contains("not kept", replayed.Message, StringComparison.Ordinal);
        Assert.Equal(1, query.Executions);
    }

    private Command Wire(string id, CommandKind kind) => new()
    {
        Id = id,
        Kind = kind,
        IssuedAt = Timestamp.FromDateTimeOffset(T0.AddMinutes(-1)),
        ExpiresAt = Timestamp.FromDateTimeOffset(_time.Now.AddHours(1)),
    };

    /// <summary>A handler that counts its runs: the dispatcher's own seam, implemented by the test.</summary>
    private sealed class CountingHandler(CommandKind kind, Func<CommandRequest, Task<CommandOutcome>> run) : ICommandHandler
    {
        private int _executions;

        public CountingHandler(CommandKind kind, Func<CommandRequest, CommandOutcome> run)
            : this(kind, r => Task.FromResult(run(r)))
        {
        }

        public int Executions => _executions;

        public CommandKind Kind => kind;

        public Task<CommandOutcome> ExecuteAsync(CommandRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _executions);
            return run(request);
        }
    }
}
