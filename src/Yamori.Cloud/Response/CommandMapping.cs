using Google.Protobuf.WellKnownTypes;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Response;

/// <summary>Between <see cref="ResponseCommand"/> and the agent contract.</summary>
public static class CommandMapping
{
    /// <summary>The <c>Command</c> message for the agent's stream. Args as the contract names them.</summary>
    public static Command ToProto(ResponseCommand command)
    {
        var wire = new Command
        {
            Id = command.Id.ToString("D"),
            Kind = command.Action.Kind switch
            {
                ResponseKind.Isolate => CommandKind.Isolate,
                ResponseKind.Release => CommandKind.Release,
                ResponseKind.Kill => CommandKind.Kill,
                ResponseKind.Collect => CommandKind.Collect,
                ResponseKind.Query => CommandKind.Query,
                _ => throw new ArgumentOutOfRangeException(nameof(command), command.Action.Kind, "unknown response kind"),
            },
            IssuedAt = Timestamp.FromDateTimeOffset(command.RequestedAt),
            ExpiresAt = Timestamp.FromDateTimeOffset(command.ExpiresAt),
        };
        foreach ((string key, string value) in command.Action.ToArgs())
        {
            wire.Args[key] = value;
        }
        return wire;
    }

    /// <summary>The contract's status, or null for <c>UNSPECIFIED</c> and unknown values.</summary>
    public static ResultStatus? FromProto(CommandStatus status) => status switch
    {
        CommandStatus.Succeeded => ResultStatus.Succeeded,
        CommandStatus.Failed => ResultStatus.Failed,
        CommandStatus.Expired => ResultStatus.Expired,
        CommandStatus.Rejected => ResultStatus.Rejected,
        _ => null,
    };

    internal static CommandState ToState(ResultStatus status) => status switch
    {
        ResultStatus.Succeeded => CommandState.Succeeded,
        ResultStatus.Failed => CommandState.Failed,
        ResultStatus.Expired => CommandState.Expired,
        ResultStatus.Rejected => CommandState.Rejected,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown result status"),
    };
}
