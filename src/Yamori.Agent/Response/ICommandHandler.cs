using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Response;

/// <summary>
/// Carries out one kind of cloud command. The dispatcher has already checked expiry and replay;
/// a handler validates its own arguments (a missing or malformed one is
/// <see cref="CommandStatus.Rejected"/> with the argument named) and never throws for an expected
/// failure: the outcome says what happened, for the SOC console.
/// </summary>
public interface ICommandHandler
{
    CommandKind Kind { get; }

    Task<CommandOutcome> ExecuteAsync(CommandRequest request, CancellationToken cancellationToken);
}

/// <summary>A command as the handler sees it.</summary>
public sealed record CommandRequest(string Id, CommandKind Kind, IReadOnlyDictionary<string, string> Args);

/// <summary>What a handler reports back; becomes a wire <c>CommandResult</c>.</summary>
public sealed record CommandOutcome(CommandStatus Status, string Message, byte[]? Output = null, string? Sha256 = null, ulong SizeBytes = 0)
{
    public static CommandOutcome Succeeded(string message, byte[]? output = null) => new(CommandStatus.Succeeded, message, output);

    public static CommandOutcome Failed(string message) => new(CommandStatus.Failed, message);

    public static CommandOutcome Rejected(string message) => new(CommandStatus.Rejected, message);
}

/// <summary>
/// Sends a collected file to the cloud in chunks, off the telemetry stream (one large file must not
/// stall telemetry). Implemented by the uplink.
/// </summary>
public interface IFileUploader
{
    /// <summary>Uploads <paramref name="content"/> (exactly <paramref name="length"/> bytes whose SHA-256 is <paramref name="sha256"/>) for command <paramref name="commandId"/>.</summary>
    Task UploadAsync(string commandId, string fileName, Stream content, long length, string sha256, CancellationToken cancellationToken);
}
