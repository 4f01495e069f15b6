using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Response;

/// <summary>Where a response command stands.</summary>
public enum CommandState
{
    /// <summary>Waiting for the town's approval (isolation in a town that requires it).</summary>
    PendingApproval = 1,

    /// <summary>Waiting for the device's stream.</summary>
    Queued = 2,

    /// <summary>Sent to the agent at least once; no result yet. Redelivered on reconnect.</summary>
    Delivered = 3,
    Succeeded = 4,
    Failed = 5,

    /// <summary>The agent refused it (unknown kind, bad arguments, local policy).</summary>
    Rejected = 6,

    /// <summary>Not carried out in time (by the cloud's clock or the agent's).</summary>
    Expired = 7,
    Cancelled = 8,

    /// <summary>The town's approver said no.</summary>
    Denied = 9,
}

/// <summary>The agent's verdict, as <c>CommandStatus</c> in the contract.</summary>
public enum ResultStatus
{
    Succeeded = 1,
    Failed = 2,
    Expired = 3,
    Rejected = 4,
}

/// <summary>Who did something, and when.</summary>
public sealed record ActorStamp(string Id, string Name, DateTimeOffset At);

/// <summary>The town's decision on a command that needed approval.</summary>
public sealed record CommandApproval(ActorStamp By, bool Approved);

/// <summary>What the agent reported.</summary>
/// <param name="Output">Inline output (live query rows), cut at the configured cap.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of a collected file, as the agent computed it.</param>
public sealed record CommandOutcome(
    ResultStatus Status,
    string Message,
    byte[] Output,
    bool OutputTruncated,
    string? Sha256,
    long? SizeBytes,
    DateTimeOffset? FinishedAt,
    DateTimeOffset ReceivedAt);

/// <summary>A collected file the cloud holds, verified against its hash.</summary>
/// <param name="RelativePath">Under the configured collected-files directory.</param>
public sealed record CollectedFile(string Sha256, long SizeBytes, string RelativePath, DateTimeOffset StoredAt);

/// <summary>
/// A response action ordered for one device, through its whole life. <see cref="Id"/> is the
/// wire id the agent de-duplicates by; results attach to <see cref="IncidentId"/> when given.
/// </summary>
/// <param name="Version">Incremented by every change; the store's compare-and-swap key.</param>
public sealed record ResponseCommand(
    Guid Id,
    TenantId Tenant,
    DeviceId Device,
    Guid? IncidentId,
    ResponseAction Action,
    ActorStamp RequestedBy,
    DateTimeOffset ExpiresAt,
    CommandState State,
    CommandApproval? Approval,
    ActorStamp? CancelledBy,
    DateTimeOffset? FirstDeliveredAt,
    DateTimeOffset? LastDeliveredAt,
    int DeliveryCount,
    CommandOutcome? Result,
    CollectedFile? File,
    long Version)
{
    public DateTimeOffset RequestedAt => RequestedBy.At;

    /// <summary>True while the agent may still be sent it.</summary>
    public bool IsDeliverable(DateTimeOffset now) =>
        State is CommandState.Queued or CommandState.Delivered && Result is null && ExpiresAt > now;
}

/// <summary>A command before and after a change, for the audit log (Before is null on creation).</summary>
public sealed record CommandChange(ResponseCommand? Before, ResponseCommand After);

/// <summary>One page of commands, newest first; pass <see cref="NextCursor"/> back for the next.</summary>
public sealed record CommandPage(IReadOnlyList<ResponseCommand> Items, string? NextCursor);

/// <summary>Filters for listing commands. Null filters match everything.</summary>
public sealed record CommandQuery(DeviceId? Device = null, Guid? IncidentId = null, CommandState? State = null, int Limit = 50, string? Cursor = null);

/// <summary>A town's response settings.</summary>
/// <param name="RequireIsolationApproval">When on, isolation waits for a town-admin (or soc-admin) to approve it.</param>
public sealed record ResponseTenantSettings(TenantId Tenant, bool RequireIsolationApproval);

/// <summary>Settings before and after a change, for the audit log.</summary>
public sealed record SettingsChange(ResponseTenantSettings Before, ResponseTenantSettings After);

/// <summary>Whether an actor may request a kind for a tenant, and why (the console shows the reason on a disabled button).</summary>
public sealed record AllowedAction(ResponseKind Kind, bool Allowed, bool RequiresApproval, string Reason);

/// <summary>A command handed to the device's stream, with the state change for the audit log.</summary>
public sealed record DeliveredCommand(Yamori.Contracts.Agent.V1.Command Wire, CommandChange Change);

/// <summary>What became of a reported result: accepted with its change, or ignored with the reason.</summary>
public sealed record ResultRecording(bool Accepted, string? Reason, CommandChange? Change)
{
    public static ResultRecording Ignored(string reason) => new(false, reason, null);
}

/// <summary>A command for <see cref="Device"/> became deliverable.</summary>
public sealed class CommandQueuedEventArgs(TenantId tenant, DeviceId device, Guid commandId) : EventArgs
{
    public TenantId Tenant { get; } = tenant;

    public DeviceId Device { get; } = device;

    public Guid CommandId { get; } = commandId;
}
