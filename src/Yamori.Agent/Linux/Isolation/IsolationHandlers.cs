using System.Runtime.Versioning;
using Yamori.Agent.Response;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Linux.Isolation;

/// <summary>The cloud's "isolate" command: see <see cref="IsolationState.IsolateAsync"/>. Takes no args.</summary>
[SupportedOSPlatform("linux")]
public sealed class IsolateHandler(IsolationState state) : ICommandHandler
{
    public CommandKind Kind => CommandKind.Isolate;

    public Task<CommandOutcome> ExecuteAsync(CommandRequest request, CancellationToken cancellationToken) => state.IsolateAsync(cancellationToken);
}

/// <summary>The cloud's "release" command: see <see cref="IsolationState.ReleaseAsync"/>. Takes no args.</summary>
[SupportedOSPlatform("linux")]
public sealed class ReleaseHandler(IsolationState state) : ICommandHandler
{
    public CommandKind Kind => CommandKind.Release;

    public Task<CommandOutcome> ExecuteAsync(CommandRequest request, CancellationToken cancellationToken) => state.ReleaseAsync(cancellationToken);
}
