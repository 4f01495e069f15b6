using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Response;

/// <summary>
/// Response commands from request to result: who may order what (policy), the town's approval of
/// isolation, delivery over the agent's stream, results and collected files. Every mutation returns
/// the command before and after, which the caller writes to the audit log.
/// </summary>
public sealed partial class ResponseService
{
    private readonly IResponseStore _store;
    private readonly ITenancyStore _tenancy;
    private readonly ResponseOptions _options;
    private readonly TimeProvider _time;

    public ResponseService(IResponseStore store, ITenancyStore tenancy, ResponseOptions? options = null, TimeProvider? time = null)
    {
        _store = store;
        _tenancy = tenancy;
        _options = options ?? new ResponseOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
    }

    public ResponseOptions Options => _options;

    /// <summary>
    /// Raised after a command becomes deliverable (queued on request, or approved), so the host can
    /// call <see cref="TakeDeliverableAsync"/> on the device's open stream at once instead of
    /// waiting for its next reconnect. Handlers must not throw or block.
    /// </summary>
    public event EventHandler<CommandQueuedEventArgs>? CommandQueued;

    /// <summary>Each kind with whether <paramref name="actor"/> may request it in <paramref name="tenant"/>, and why.</summary>
    public async Task<IReadOnlyList<AllowedAction>> GetAllowedActionsAsync(Actor actor, TenantId tenant, CancellationToken cancellationToken = default)
    {
        ResponseTenantSettings? settings = await _store.GetSettingsAsync(actor.Scope, tenant, cancellationToken);
        var list = new List<AllowedAction>();
        foreach (ResponseKind kind in ResponseKinds.All)
        {
            bool approval = kind == ResponseKind.Isolate && settings is { RequireIsolationApproval: true };
            if (settings is null)
            {
                list.Add(new AllowedAction(kind, false, false, "this town is outside your access"));
            }
            else if (PolicyRefusal(actor, kind) is { } reason)
            {
                list.Add(new AllowedAction(kind, false, approval, reason));
            }
            else
            {
                list.Add(new AllowedAction(kind, true, approval, approval ? "allowed; the town must approve it before it is sent" : "allowed"));
            }
        }

        return list;
    }

    /// <summary>Queues a command for a device the actor can see (or holds it for the town's approval).</summary>
    /// <param name="expiresIn">How long it stays deliverable; null uses <see cref="ResponseOptions.DefaultExpiry"/>.</param>
    /// <exception cref="ArgumentException">An argument is invalid (the message names it).</exception>
    /// <exception cref="ResponseNotFoundException">The device is not visible to the actor.</exception>
    /// <exception cref="ResponsePolicyException">The actor's role may not request this kind.</exception>
    public async Task<CommandChange> RequestAsync(
        Actor actor,
        DeviceId device,
        ResponseAction action,
        Guid? incidentId = null,
        TimeSpan? expiresIn = null,
        CancellationToken cancellationToken = default)
    {
        TimeSpan expiry = expiresIn ?? _options.DefaultExpiry;
        if (expiry <= TimeSpan.Zero || expiry > _options.MaxExpiry)
        {
            throw new ArgumentException($"expiresIn must be positive and at most {_options.MaxExpiry}", nameof(expiresIn));
        }

        if (incidentId == Guid.Empty)
        {
            throw new ArgumentException("incidentId must be an incident's id or absent", nameof(incidentId));
        }

        if (action.MaxBytes > _options.MaxCollectedFileBytes)
        {
            throw new ArgumentException($"maxBytes must be at most {_options.MaxCollectedFileBytes}", "maxBytes");
        }

        Device target = await _tenancy.GetDeviceAsync(actor.Scope, device, cancellationToken)
            ?? throw new ResponseNotFoundException($"device {device} not found");
        if (PolicyRefusal(actor, action.Kind) is { } reason)
        {
            throw new ResponsePolicyException(reason);
        }

        ResponseTenantSettings settings = (await _store.GetSettingsAsync(TenantScope.For(target.Tenant), target.Tenant, cancellationToken))!;
        DateTimeOffset now = _time.GetUtcNow();
        bool approval = action.Kind == ResponseKind.Isolate && settings.RequireIsolationApproval;
        var command = new ResponseCommand(
            Guid.CreateVersion7(now), target.Tenant, device, incidentId, action, new ActorStamp(actor.Id, actor.Name, now), now + expiry,
            approval ? CommandState.PendingApproval : CommandState.Queued, null, null, null, null, 0, null, null, 1);
        await _store.InsertAsync(TenantScope.For(target.Tenant), command, cancellationToken);
        if (command.State == CommandState.Queued)
        {
            CommandQueued?.Invoke(this, new CommandQueuedEventArgs(command.Tenant, command.Device, command.Id));
        }

        return new CommandChange(null, command);
    }

    /// <summary>The town's yes to a command awaiting approval; it is queued for delivery.</summary>
    /// <exception cref="ResponseNotFoundException">No such command visible to the actor.</exception>
    /// <exception cref="ResponsePolicyException">The actor is neither a town-admin of the command's town nor a soc-admin.</exception>
    /// <exception cref="ResponseConflictException">The command is not awaiting approval, or has expired.</exception>
    public Task<CommandChange> ApproveAsync(Actor actor, Guid id, CancellationToken cancellationToken = default) =>
        DecideAsync(actor, id, true, cancellationToken);

    /// <summary>The town's no; the command is never sent.</summary>
    public Task<CommandChange> DenyAsync(Actor actor, Guid id, CancellationToken cancellationToken = default) =>
        DecideAsync(actor, id, false, cancellationToken);

    /// <summary>
    /// Withdraws a command not yet answered. A delivered one is no longer redelivered, but the agent
    /// may already have carried it out; its result is still recorded if it comes.
    /// </summary>
    /// <exception cref="ResponsePolicyException">The actor neither requested it nor may request its kind.</exception>
    public async Task<CommandChange> CancelAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        ResponseCommand before = await _store.GetAsync(actor.Scope, id, cancellationToken)
            ?? throw new ResponseNotFoundException($"command {id} not found");
        if (before.RequestedBy.Id != actor.Id && PolicyRefusal(actor, before.Action.Kind) is { } reason)
        {
            throw new ResponsePolicyException(reason);
        }

        if (before.State is not (CommandState.PendingApproval or CommandState.Queued or CommandState.Delivered) || before.Result is not null)
        {
            throw new ResponseConflictException($"command {id} is {before.State} and can no longer be cancelled");
        }

        ResponseCommand after = before with
        {
            State = CommandState.Cancelled,
            CancelledBy = new ActorStamp(actor.Id, actor.Name, _time.GetUtcNow()),
            Version = before.Version + 1,
        };
        return await CommitAsync(actor.Scope, before, after, cancellationToken);
    }

    public async Task<ResponseCommand?> GetAsync(TenantScope scope, Guid id, CancellationToken cancellationToken = default) =>
        await _store.GetAsync(scope, id, cancellationToken);

    /// <summary>Newest first, keyset paged; filter by device, incident and state.</summary>
    public async Task<CommandPage> ListAsync(TenantScope scope, CommandQuery query, CancellationToken cancellationToken = default) =>
        await _store.ListAsync(scope, query, cancellationToken);

    /// <summary>The town's response settings; null when the tenant is outside the scope.</summary>
    public async Task<ResponseTenantSettings?> GetSettingsAsync(TenantScope scope, TenantId tenant, CancellationToken cancellationToken = default) =>
        await _store.GetSettingsAsync(scope, tenant, cancellationToken);

    /// <summary>Turns the town's isolation approval on or off. Only a town-admin of the town or a soc-admin may.</summary>
    /// <exception cref="ResponseNotFoundException">The tenant is outside the actor's scope.</exception>
    /// <exception cref="ResponsePolicyException">The actor may not change it.</exception>
    public async Task<SettingsChange> SetRequireIsolationApprovalAsync(Actor actor, TenantId tenant, bool required, CancellationToken cancellationToken = default)
    {
        ResponseTenantSettings before = await _store.GetSettingsAsync(actor.Scope, tenant, cancellationToken)
            ?? throw new ResponseNotFoundException($"tenant {tenant} not found");
        if (!IsTownApprover(actor, tenant))
        {
            throw new ResponsePolicyException($"role {actor.Role.ToWire()} may not change the town's approval setting; a town-admin of the town or a soc-admin may");
        }

        ResponseTenantSettings after = before with { RequireIsolationApproval = required };
        await _store.SetSettingsAsync(actor.Scope, after, _time.GetUtcNow(), cancellationToken);
        return new SettingsChange(before, after);
    }

    private async Task<CommandChange> DecideAsync(Actor actor, Guid id, bool approve, CancellationToken cancellationToken)
    {
        ResponseCommand before = await _store.GetAsync(actor.Scope, id, cancellationToken)
            ?? throw new ResponseNotFoundException($"command {id} not found");
        if (!IsTownApprover(actor, before.Tenant))
        {
            throw new ResponsePolicyException($"role {actor.Role.ToWire()} may not decide on approvals; a town-admin of the town or a soc-admin may");
        }

        if (before.State != CommandState.PendingApproval)
        {
            throw new ResponseConflictException($"command {id} is {before.State}, not awaiting approval");
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (approve && before.ExpiresAt <= now)
        {
            throw new ResponseConflictException($"command {id} expired at {before.ExpiresAt:O}; request it again");
        }

        ResponseCommand after = before with
        {
            State = approve ? CommandState.Queued : CommandState.Denied,
            Approval = new CommandApproval(new ActorStamp(actor.Id, actor.Name, now), approve),
            Version = before.Version + 1,
        };
        CommandChange change = await CommitAsync(actor.Scope, before, after, cancellationToken);
        if (approve)
        {
            CommandQueued?.Invoke(this, new CommandQueuedEventArgs(after.Tenant, after.Device, after.Id));
        }

        return change;
    }

    private async Task<CommandChange> CommitAsync(TenantScope scope, ResponseCommand before, ResponseCommand after, CancellationToken cancellationToken)
    {
        if (!await _store.TryUpdateAsync(scope, after, cancellationToken))
        {
            throw new ResponseConflictException($"command {before.Id} changed meanwhile; reload and try again");
        }

        return new CommandChange(before, after);
    }

    private static bool IsTownApprover(Actor actor, TenantId tenant) =>
        actor.Role == Role.SocAdmin || (actor.Role == Role.TownAdmin && actor.Tenant == tenant);

    private string? PolicyRefusal(Actor actor, ResponseKind kind) =>
        _options.RoleMay(actor.Role, kind) ? null : $"role {actor.Role.ToWire()} may not request {kind.ToWire()}";
}
