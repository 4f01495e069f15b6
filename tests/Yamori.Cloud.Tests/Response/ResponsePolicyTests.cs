using Yamori.Cloud.Identity;
using Yamori.Cloud.Response;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Response;

public sealed class ResponsePolicyTests : IDisposable
{
    private readonly ResponseFixture _f = new();

    public void Dispose() => _f.Dispose();

    // Written out rather than derived from the defaults, so a change of the defaults fails here.
    public static TheoryData<Role, ResponseKind, bool> DefaultMatrix()
    {
        var data = new TheoryData<Role, ResponseKind, bool>();
        foreach (ResponseKind kind in ResponseKinds.All)
        {
            data.Add(Role.SocAdmin, kind, true);
            data.Add(Role.SocAnalyst, kind, true);
            data.Add(Role.TownAdmin, kind, kind is ResponseKind.Release or ResponseKind.Query);
            data.Add(Role.TownViewer, kind, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DefaultMatrix))]
    public async Task Default_role_matrix_is_enforced_and_reported(Role role, ResponseKind kind, bool allowed)
    {
        Actor actor = ResponseFixture.Person(role, role.SeesAllTenants() ? null : _f.TownA);
        AllowedAction reported = (await _f.Service.GetAllowedActionsAsync(actor, _f.TownA)).Single(a => a.Kind == kind);
        Assert.Equal(allowed, reported.Allowed);

        if (allowed)
        {
            CommandChange change = await _f.Service.RequestAsync(actor, _f.DeviceA1, Sample(kind));
            Assert.Equal(CommandState.Queued, change.After.State);
            Assert.Equal(actor.Id, change.After.RequestedBy.Id);
        }
        else
        {
            ResponsePolicyException ex = await Assert.ThrowsAsync<ResponsePolicyException>(() => _f.Service.RequestAsync(actor, _f.DeviceA1, Sample(kind)));
            Assert.Equal($"role {role.ToWire()} may not request {kind.ToWire()}", ex.Message);
            Assert.Equal(ex.Message, reported.Reason);
            Assert.Empty((await _f.Service.ListAsync(TenantScope.AllTenants, new CommandQuery())).Items);
        }
    }

    [Fact]
    public async Task The_role_policy_is_configurable()
    {
        var options = new ResponseOptions
        {
            AllowedRoles = new Dictionary<ResponseKind, Role[]>
            {
                [ResponseKind.Isolate] = [Role.SocAdmin, Role.TownAdmin],
                [ResponseKind.Query] = [Role.SocAdmin],
            },
        };
        using var f = new ResponseFixture(options);
        Assert.Equal(CommandState.Queued, (await f.Service.RequestAsync(f.AdminA, f.DeviceA1, ResponseAction.Isolate())).After.State);
        await Assert.ThrowsAsync<ResponsePolicyException>(() => f.Service.RequestAsync(f.Analyst, f.DeviceA1, ResponseAction.Query("processes")));
        await Assert.ThrowsAsync<ResponsePolicyException>(() => f.Service.RequestAsync(f.SocAdmin, f.DeviceA1, ResponseAction.Release()));
    }

    [Fact]
    public async Task Allowed_actions_for_another_town_are_all_refused()
    {
        IReadOnlyList<AllowedAction> actions = await _f.Service.GetAllowedActionsAsync(_f.AdminB, _f.TownA);
        Assert.Equal(5, actions.Count);
        Assert.All(actions, a => Assert.False(a.Allowed));
        Assert.All(actions, a => Assert.Equal("this town is outside your access", a.Reason));
    }

    [Theory]
    [InlineData(0, "pid")]
    [InlineData(4, "pid")]
    [InlineData(1234, "image")]
    public void Kill_arguments_are_validated(int pid, string field)
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => ResponseAction.Kill(pid, pid == 1234 ? " " : "evil.exe"));
        Assert.Equal(field, ex.ParamName);
    }

    [Theory]
    [InlineData("relative\\file.txt", null, "path")]
    [InlineData("C:\\Users\\..\\Windows\\System32\\config\\SAM", null, "path")]
    [InlineData("", null, "path")]
    [InlineData("C:\\Users\\a\\evil.exe", 0L, "maxBytes")]
    public void Collect_arguments_are_validated(string path, long? maxBytes, string field)
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => ResponseAction.Collect(path, maxBytes));
        Assert.Equal(field, ex.ParamName);
    }

    [Theory]
    [InlineData("processes", true)]
    [InlineData("connections", true)]
    [InlineData("powershell Get-Process", false)]
    [InlineData("", false)]
    public void Only_predefined_queries_exist(string name, bool ok)
    {
        if (ok)
        {
            Assert.Equal(name, ResponseAction.Query(name).QueryName);
        }
        else
        {
            Assert.Equal("name", Assert.Throws<ArgumentException>(() => ResponseAction.Query(name)).ParamName);
        }
    }

    [Fact]
    public async Task Request_limits_are_checked_naming_the_field()
    {
        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(() => _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Release(), expiresIn: TimeSpan.FromDays(30)));
        Assert.Equal("expiresIn", ex.ParamName);
        ex = await Assert.ThrowsAsync<ArgumentException>(() => _f.Service.RequestAsync(_f.Analyst, _f.DeviceA1, ResponseAction.Collect("/etc/passwd", _f.Options.MaxCollectedFileBytes + 1)));
        Assert.Equal("maxBytes", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => ResponseAction.FromArgs(ResponseKind.Kill, new Dictionary<string, string> { ["image"] = "x.exe" }));
        Assert.Equal("pid", ex.ParamName);
    }

    private static ResponseAction Sample(ResponseKind kind) => kind switch
    {
        ResponseKind.Isolate => ResponseAction.Isolate(),
        ResponseKind.Release => ResponseAction.Release(),
        ResponseKind.Kill => ResponseAction.Kill(4242, @"C:\Users\Public\evil.exe"),
        ResponseKind.Collect => ResponseAction.Collect(@"C:\Users\Public\evil.exe"),
        _ => ResponseAction.Query("processes"),
    };
}
