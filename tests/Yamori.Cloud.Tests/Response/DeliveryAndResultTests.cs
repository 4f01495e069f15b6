using Yamori.Cloud.Response;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Tests.Response;

public sealed class DeliveryAndResultTests : IDisposable
{
    private readonly ResponseFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Commands_are_mapped_to_the_agent_contract()
    {
        ResponseCommand kill = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Kill(4242, @"C:\Users\Public\evil.exe"))).After;
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Collect(@"C:\Users\Public\evil.exe", 1024));
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Query("connections"));
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Isolate());

        Command[] wire = (await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now)).Select(d => d.Wire).ToArray();
        Assert.Equal([CommandKind.Kill, CommandKind.Collect, CommandKind.Query, CommandKind.Isolate], wire.Select(c => c.Kind));
        Assert.Equal(kill.Id.ToString("D"), wire[0].Id);
        Assert.Equal(new Dictionary<string, string> { ["pid"] = "4242", ["image"] = @"C:\Users\Public\evil.exe" }, wire[0].Args);
        Assert.Equal(new Dictionary<string, string> { ["path"] = @"C:\Users\Public\evil.exe", ["max_bytes"] = "1024" }, wire[1].Args);
        Assert.Equal(new Dictionary<string, string> { ["name"] = "connections" }, wire[2].Args);
        Assert.Empty(wire[3].Args);
        Assert.Equal(Events.T0, wire[0].IssuedAt.ToDateTimeOffset());
        Assert.Equal(Events.T0.AddHours(24), wire[0].ExpiresAt.ToDateTimeOffset());

        ResponseAction back = ResponseAction.FromArgs(ResponseKind.Collect, wire[1].Args);
        Assert.Equal(ResponseAction.Collect(@"C:\Users\Public\evil.exe", 1024), back);
    }

    [Fact]
    public async Task Delivered_commands_are_redelivered_on_reconnect_until_a_result_arrives()
    {
        Guid id = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Query("processes"))).After.Id;
        Assert.Empty(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA2, _f.Now));

        DeliveredCommand first = Assert.Single(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now));
        Assert.Equal((CommandState.Queued, CommandState.Delivered), (first.Change.Before!.State, first.Change.After.State));
        Assert.Equal(1, first.Change.After.DeliveryCount);

        _f.Clock.Advance(TimeSpan.FromMinutes(5));
        DeliveredCommand again = Assert.Single(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now));
        Assert.Equal(first.Wire.Id, again.Wire.Id);
        Assert.Equal(2, again.Change.After.DeliveryCount);
        Assert.Equal(Events.T0, again.Change.After.FirstDeliveredAt);
        Assert.Equal(_f.Now, again.Change.After.LastDeliveredAt);

        ResultRecording recorded = await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA1, ResponseFixture.Result(id, output: "{\"pid\":4}\n"u8.ToArray()));
        Assert.True(recorded.Accepted, recorded.Reason);
        Assert.Equal(CommandState.Succeeded, recorded.Change!.After.State);
        Assert.Equal("{\"pid\":4}\n"u8.ToArray(), recorded.Change.After.Result!.Output);
        Assert.Empty(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now));
    }

    [Fact]
    public async Task A_result_from_another_device_or_town_is_ignored()
    {
        Guid id = await _f.Delivered(_f.Analyst, _f.DeviceA1, ResponseAction.Kill(77, "evil.exe"), _f.ScopeA);

        ResultRecording other = await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA2, ResponseFixture.Result(id));
        Assert.False(other.Accepted);
        Assert.Contains("another device", other.Reason, StringComparison.Ordinal);
        ResultRecording foreign = await _f.Service.RecordResultAsync(_f.ScopeB, _f.DeviceB1, ResponseFixture.Result(id));
        Assert.False(foreign.Accepted);
        Assert.Contains("unknown command", foreign.Reason, StringComparison.Ordinal);
        ResultRecording garbage = await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA1, new CommandResult(ResponseFixture.Result(id)) { CommandId = "not-a-guid" });
        Assert.False(garbage.Accepted);
        ResultRecording unspecified = await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA1, ResponseFixture.Result(id, CommandStatus.Unspecified));
        Assert.False(unspecified.Accepted);

        ResponseCommand unchanged = (await _f.Service.GetAsync(_f.ScopeA, id))!;
        Assert.Equal(CommandState.Delivered, unchanged.State);
        Assert.Null(unchanged.Result);
    }

    [Fact]
    public async Task The_first_result_wins_and_a_replay_is_ignored()
    {
        Guid id = await _f.Delivered(_f.Analyst, _f.DeviceA1, ResponseAction.Kill(77, "evil.exe"), _f.ScopeA);
        ResultRecording first = await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA1, ResponseFixture.Result(id, CommandStatus.Failed, "access denied"));
        Assert.True(first.Accepted);
        Assert.Equal(CommandState.Failed, first.Change!.After.State);
        Assert.Equal(Events.T0.AddMinutes(1), first.Change.After.Result!.FinishedAt);

        ResultRecording replay = await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA1, ResponseFixture.Result(id, CommandStatus.Succeeded, "killed"));
        Assert.False(replay.Accepted);
        Assert.Contains("already has a result", replay.Reason, StringComparison.Ordinal);
        ResponseCommand stored = (await _f.Service.GetAsync(_f.ScopeA, id))!;
        Assert.Equal((CommandState.Failed, "access denied"), (stored.State, stored.Result!.Message));
    }

    [Fact]
    public async Task A_result_for_a_command_never_delivered_is_ignored_and_large_output_is_cut()
    {
        Guid queued = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Release())).After.Id;
        Assert.False((await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA1, ResponseFixture.Result(queued))).Accepted);

        using var small = new ResponseFixture(new ResponseOptions { MaxOutputBytes = 8 });
        Guid id = await small.Delivered(small.Analyst, small.DeviceA1, ResponseAction.Query("processes"), small.ScopeA);
        ResultRecording big = await small.Service.RecordResultAsync(small.ScopeA, small.DeviceA1, ResponseFixture.Result(id, output: "0123456789abcdef"u8.ToArray()));
        Assert.Equal("01234567"u8.ToArray(), big.Change!.After.Result!.Output);
        Assert.True(big.Change.After.Result.OutputTruncated);
    }

    [Fact]
    public async Task Commands_expire_by_the_clock_and_are_not_delivered_after()
    {
        CommandChange queued = await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Isolate(), expiresIn: TimeSpan.FromHours(1));
        Guid delivered = await _f.Delivered(_f.Analyst, _f.DeviceA2, ResponseAction.Release(), _f.ScopeA);
        Assert.Equal(Events.T0.AddHours(1), queued.After.ExpiresAt);

        _f.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(await _f.Service.ExpireAsync(_f.Now));
        _f.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA1, _f.Now));
        IReadOnlyList<CommandChange> expired = await _f.Service.ExpireAsync(_f.Now);
        Assert.Equal([queued.After.Id], expired.Select(c => c.After.Id));
        Assert.Equal(CommandState.Expired, expired[0].After.State);
        Assert.Empty(await _f.Service.ExpireAsync(_f.Now));

        _f.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Empty(await _f.Service.TakeDeliverableAsync(_f.ScopeA, _f.DeviceA2, _f.Now));
        Assert.Equal([delivered], (await _f.Service.ExpireAsync(_f.Now)).Select(c => c.After.Id));

        // The agent's late word on what it did is still kept.
        ResultRecording late = await _f.Service.RecordResultAsync(_f.ScopeA, _f.DeviceA2, ResponseFixture.Result(delivered, CommandStatus.Expired, "arrived too late"));
        Assert.True(late.Accepted);
        Assert.Equal(CommandState.Expired, late.Change!.After.State);
    }

    [Fact]
    public async Task A_stale_version_never_overwrites_a_newer_change()
    {
        ResponseCommand command = (await _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Release())).After;
        await _f.Service.CancelAsync(_f.Analyst, command.Id);
        Assert.False(await _f.Store.TryUpdateAsync(_f.ScopeA, command with { State = CommandState.Delivered, Version = command.Version + 1 }));
        Assert.Equal(CommandState.Cancelled, (await _f.Service.GetAsync(_f.ScopeA, command.Id))!.State);
    }
}
