using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Response;

/// <summary>
/// Turns a cloud <see cref="Command"/> into a <see cref="CommandResult"/>: a command already carried
/// out is answered from the <see cref="ReplayJournal"/> (re-delivery after a reconnect), an expired
/// one is not carried out, an unknown kind is rejected, and a handler's exception becomes a failed
/// result. Every outcome is journalled before it is returned. Never throws except for cancellation
/// (the agent is stopping; the command then stays unrecorded and runs on re-delivery).
/// </summary>
public sealed partial class CommandDispatcher
{
    private readonly Dictionary<CommandKind, ICommandHandler> _handlers;
    private readonly ReplayJournal _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // A second delivery of a command still running waits for the first instead of running it again.
    private readonly ConcurrentDictionary<string, Task<CommandResult>> _running = new(StringComparer.Ordinal);

    public CommandDispatcher(IEnumerable<ICommandHandler> handlers, ReplayJournal journal, TimeProvider timeProvider, ILogger<CommandDispatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _handlers = [];
        foreach (ICommandHandler handler in handlers)
        {
            if (!_handlers.TryAdd(handler.Kind, handler))
            {
                throw new ArgumentException($"two handlers for {handler.Kind}", nameof(handlers));
            }
        }

        _journal = journal;
        _time = timeProvider;
        _logger = logger ?? NullLogger<CommandDispatcher>.Instance;
    }

    public Task<CommandResult> DispatchAsync(Command command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (string.IsNullOrEmpty(command.Id))
        {
            return Task.FromResult(ToResult(command.Id, CommandOutcome.Rejected("command has no id"), _time.GetUtcNow()));
        }

        if (_journal.TryGet(command.Id, out JournalEntry? done))
        {
            LogReplayed(command.Id, done!.Outcome.Status);
            return Task.FromResult(ToResult(command.Id, done.Outcome, done.FinishedAt));
        }

        var mine = new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<CommandResult> running = _running.GetOrAdd(command.Id, mine.Task);
        if (running != mine.Task)
        {
            return running.WaitAsync(cancellationToken);
        }

        return RunAsync(command, mine, cancellationToken);
    }

    private async Task<CommandResult> RunAsync(Command command, TaskCompletionSource<CommandResult> completion, CancellationToken cancellationToken)
    {
        try
        {
            // Checked again inside the claim: another delivery may have finished between the first look and the claim.
            CommandResult result = _journal.TryGet(command.Id, out JournalEntry? done)
                ? ToResult(command.Id, done!.Outcome, done.FinishedAt)
                : await ExecuteAndRecordAsync(command, cancellationToken).ConfigureAwait(false);
            completion.SetResult(result);
            return result;
        }
        catch (Exception e)
        {
            completion.SetException(e);
            throw;
        }
        finally
        {
            _running.TryRemove(command.Id, out _);
        }
    }

    private async Task<CommandResult> ExecuteAndRecordAsync(Command command, CancellationToken cancellationToken)
    {
        CommandOutcome outcome = await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        DateTimeOffset finished = _time.GetUtcNow();
        try
        {
            _journal.Record(command.Id, outcome, finished);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The result still goes out; only a later re-delivery could run the command again.
            LogJournalFailed(e, command.Id);
        }

        LogExecuted(command.Id, command.Kind, outcome.Status, outcome.Message);
        return ToResult(command.Id, outcome, finished);
    }

    private async Task<CommandOutcome> ExecuteAsync(Command command, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (command.ExpiresAt is null)
        {
            return CommandOutcome.Rejected("command has no expires_at; an order without a deadline is not carried out");
        }

        DateTimeOffset expiresAt = command.ExpiresAt.ToDateTimeOffset();
        if (expiresAt < now)
        {
            return new CommandOutcome(CommandStatus.Expired, string.Create(CultureInfo.InvariantCulture,
                $"expired at {expiresAt:O} (agent clock {now:O}); not carried out"));
        }

        if (!_handlers.TryGetValue(command.Kind, out ICommandHandler? handler))
        {
            return CommandOutcome.Rejected($"unknown or unsupported command kind {command.Kind}");
        }

        var request = new CommandRequest(command.Id, command.Kind, new Dictionary<string, string>(command.Args, StringComparer.Ordinal));
        try
        {
            return await handler.ExecuteAsync(request, cancellationToken).ConfigureAwait(false)
                ?? CommandOutcome.Failed($"{command.Kind} handler returned no outcome");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            LogHandlerThrew(e, command.Id, command.Kind);
            return CommandOutcome.Failed($"{command.Kind} failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private static CommandResult ToResult(string id, CommandOutcome outcome, DateTimeOffset finishedAt) => new()
    {
        CommandId = id ?? string.Empty,
        Status = outcome.Status,
        Message = outcome.Message,
        Output = outcome.Output is { } output ? ByteString.CopyFrom(output) : ByteString.Empty,
        Sha256 = outcome.Sha256 ?? string.Empty,
        SizeBytes = outcome.SizeBytes,
        FinishedAt = Timestamp.FromDateTimeOffset(finishedAt),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} ({Kind}): {Status}: {Detail}")]
    private partial void LogExecuted(string commandId, CommandKind kind, CommandStatus status, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} was already carried out ({Status}); answered from the journal")]
    private partial void LogReplayed(string commandId, CommandStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command {CommandId} ({Kind}): the handler threw")]
    private partial void LogHandlerThrew(Exception exception, string commandId, CommandKind kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command {CommandId}: could not record the outcome in the replay journal")]
    private partial void LogJournalFailed(Exception exception, string commandId);
}
