using Yamori.Cloud.Response;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Response;

public sealed class ApprovalTests : IDisposable
{
    private readonly ResponseFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Isolation_waits_for_the_towns_own_approval_and_only_that_town_may_give_it()
    {
        SettingsChange setting = await _f.Service.SetRequireIsolationApprovalAsync(_f.AdminA, _f.TownA, true);
        Assert.False(setting.Before.RequireIsolationApproval);
        Assert.True(setting.After.RequireIsolationApproval);
        Assert.True((await _f.Service.GetAllowedActionsAsync(_f.Analyst, _f.TownA)).Single(a => a.Kind == ResponseKind.Isolate).RequiresApproval);

        Guid id = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Isolate())).After.Id;
        Assert.Equal(CommandState.PendingApproval, (await _f.Service.GetAsync(_f.ScopeA, id))!.State);
        Assert.Empty(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now));

        await Assert.ThrowsAsync<ResponseNotFoundException>(() => _f.Service.ApproveAsync(_f.AdminB, id));
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => _f.Service.DenyAsync(_f.AdminB, id));
        await Assert.ThrowsAsync<ResponsePolicyException>(() => _f.Service.ApproveAsync(_f.Analyst, id));
        await Assert.ThrowsAsync<ResponsePolicyException>(() => _f.Service.ApproveAsync(_f.ViewerA, id));
        Assert.Equal(CommandState.PendingApproval, (await _f.Service.GetAsync(_f.ScopeA, id))!.State);

        _f.Clock.Advance(TimeSpan.FromMinutes(3));
        CommandChange approved = await _f.Service.ApproveAsync(_f.AdminA, id);
        Assert.Equal(CommandState.PendingApproval, approved.Before!.State);
        Assert.Equal(CommandState.Queued, approved.After.State);
        Assert.Equal(new CommandApproval(new ActorStamp(_f.AdminA.Id, _f.AdminA.Name, _f.Now), true), approved.After.Approval);
        Assert.Single(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now));
        await Assert.ThrowsAsync<ResponseConflictException>(() => _f.Service.ApproveAsync(_f.AdminA, id));
    }

    [Fact]
    public async Task The_host_hears_when_a_command_becomes_deliverable()
    {
        var heard = new List<(TenantId, DeviceId, Guid)>();
        _f.Service.CommandQueued += (_, e) => heard.Add((e.Tenant, e.Device, e.CommandId));
        await _f.Service.SetRequireIsolationApprovalAsync(_f.AdminA, _f.TownA, true);

        Guid isolate = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Isolate())).After.Id;
        Assert.Empty(heard);
        Guid query = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA2, ResponseAction.Query("processes"))).After.Id;
        await _f.Service.ApproveAsync(_f.AdminA, isolate);
        Assert.Equal([(_f.TownA, _f.DeviceA2, query), (_f.TownA, _f.DeviceA1, isolate)], heard);

        Guid denied = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Isolate())).After.Id;
        await _f.Service.DenyAsync(_f.AdminA, denied);
        Assert.Equal(2, heard.Count);
    }

    [Fact]
    public async Task A_denied_isolation_is_never_sent_and_other_kinds_need_no_approval()
    {
        await _f.Service.SetRequireIsolationApprovalAsync(_f.SocAdmin, _f.TownA, true);
        Guid id = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Isolate())).After.Id;
        CommandChange denied = await _f.Service.DenyAsync(_f.SocAdmin, id);
        Assert.Equal(CommandState.Denied, denied.After.State);
        Assert.False(denied.After.Approval!.Approved);
        await Assert.ThrowsAsync<ResponseConflictException>(() => _f.Service.ApproveAsync(_f.AdminA, id));

        Assert.Equal(CommandState.Queued, (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Kill(77, "evil.exe"))).After.State);
        Assert.Equal(CommandState.Queued, (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceB1, ResponseAction.Isolate())).After.State);
        IReadOnlyList<DeliveredCommand> sent = await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now);
        Assert.Equal([ResponseKind.Kill], sent.Select(s => s.Change.After.Action.Kind));
    }

    [Fact]
    public async Task Only_the_towns_admin_or_a_soc_admin_changes_the_approval_setting()
    {
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => _f.Service.SetRequireIsolationApprovalAsync(_f.AdminB, _f.TownA, true));
        await Assert.ThrowsAsync<ResponsePolicyException>(() => _f.Service.SetRequireIsolationApprovalAsync(_f.Analyst, _f.TownA, true));
        await Assert.ThrowsAsync<ResponsePolicyException>(() => _f.Service.SetRequireIsolationApprovalAsync(_f.ViewerA, _f.TownA, true));
        Assert.False((await _f.Service.GetSettingsAsync(_f.ScopeA, _f.TownA))!.RequireIsolationApproval);
        Assert.Null(await _f.Service.GetSettingsAsync(_f.ScopeB, _f.TownA));

        await _f.Service.SetRequireIsolationApprovalAsync(_f.AdminB, _f.TownB, true);
        Assert.False((await _f.Service.GetSettingsAsync(_f.ScopeA, _f.TownA))!.RequireIsolationApproval);
        Assert.True((await _f.Service.GetSettingsAsync(TenantScope.AllTenants, _f.TownB))!.RequireIsolationApproval);
    }

    [Fact]
    public async Task An_expired_pending_isolation_cannot_be_approved_and_expires()
    {
        await _f.Service.SetRequireIsolationApprovalAsync(_f.AdminA, _f.TownA, true);
        Guid id = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Isolate(), expiresIn: TimeSpan.FromHours(1))).After.Id;
        _f.Clock.Advance(TimeSpan.FromHours(1));
        await Assert.ThrowsAsync<ResponseConflictException>(() => _f.Service.ApproveAsync(_f.AdminA, id));
        CommandChange expired = Assert.Single(await _f.Service.ExpireAsync(_f.Now));
        Assert.Equal((CommandState.PendingApproval, CommandState.Expired), (expired.Before!.State, expired.After.State));
    }

    [Fact]
    public async Task Cancel_is_for_the_requester_or_those_allowed_the_kind()
    {
        Guid id = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Kill(77, "evil.exe"))).After.Id;
        await Assert.ThrowsAsync<ResponsePolicyException>(() => _f.Service.CancelAsync(_f.ViewerA, id));
        await Assert.ThrowsAsync<ResponsePolicyException>(() => _f.Service.CancelAsync(_f.AdminA, id));
        await Assert.ThrowsAsync<ResponseNotFoundException>(() => _f.Service.CancelAsync(_f.AdminB, id));

        CommandChange cancelled = await _f.Service.CancelAsync(_f.SocAdmin, id);
        Assert.Equal(CommandState.Cancelled, cancelled.After.State);
        Assert.Equal(_f.SocAdmin.Id, cancelled.After.CancelledBy!.Id);
        Assert.Empty(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now));
        await Assert.ThrowsAsync<ResponseConflictException>(() => _f.Service.CancelAsync(_f.SocAdmin, id));

        Guid own = (await _f.Service.RequestAsync(_f.AdminA, _f.DeviceA1, ResponseAction.Query("connections"))).After.Id;
        Assert.Equal(CommandState.Cancelled, (await _f.Service.CancelAsync(_f.AdminA, own)).After.State);
    }
}
