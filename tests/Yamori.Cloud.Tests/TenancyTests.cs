using System.Net;
using System.Reflection;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests;

public sealed class TenancyTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly SqliteTenancyStore _store;
    private readonly Tenant _a = new(TenantId.New(), MunicipalityCode.Parse("131016"), "千代田区", 90, Events.T0);
    private readonly Tenant _b = new(TenantId.New(), MunicipalityCode.Parse("011002"), "札幌市", 180, Events.T0);

    public TenancyTests() => _store = new SqliteTenancyStore(_temp.Database);

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("011002")] // 札幌市
    [InlineData("131016")] // 千代田区
    [InlineData("141003")] // 横浜市
    [InlineData("090000")] // 栃木県: 11 − remainder 1 = 10 → 0
    [InlineData("110001")] // 埼玉県: 11 − remainder 0 = 11 → 1
    public void Valid_municipality_codes_parse(string code)
    {
        Assert.True(MunicipalityCode.TryParse(code, out MunicipalityCode parsed, out string? error), error);
        Assert.Equal(code, parsed.Value);
        Assert.Equal(code[..2], parsed.PrefectureCode);
        Assert.Equal(code.EndsWith("0000", StringComparison.Ordinal) || code == "110001", parsed.IsPrefecture);
    }

    [Theory]
    [InlineData("131017", "check digit")]
    [InlineData("13101", "6 digits")]
    [InlineData("13101a", "6 digits")]
    [InlineData("481000", "prefecture")]
    [InlineData(null, "6 digits")]
    public void Invalid_municipality_codes_are_refused_with_the_reason(string? code, string reason)
    {
        Assert.False(MunicipalityCode.TryParse(code, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Town_scope_sees_only_its_own_tenant_segments_and_devices()
    {
        (Device deviceA, Device deviceB) = await SeedTwoTowns();
        TenantScope townA = TenantScope.For(_a.Id);

        Assert.Equal([_a.Id], (await _store.ListTenantsAsync(townA)).Select(t => t.Id));
        Assert.Null(await _store.GetTenantAsync(townA, _b.Id));
        Assert.Equal(_a, await _store.GetTenantAsync(townA, _a.Id));
        Assert.All(await _store.ListSegmentsAsync(townA), s => Assert.Equal(_a.Id, s.Tenant));
        Assert.Equal([deviceA.Id], (await _store.ListDevicesAsync(townA)).Select(d => d.Id));
        Assert.Null(await _store.GetDeviceAsync(townA, deviceB.Id));
        Assert.False(await _store.RecordHeartbeatAsync(townA, deviceB.Id, Events.T0, "9.9", DeviceHealth.Healthy));
        Assert.Equal(DeviceHealth.Unknown, (await _store.GetDeviceAsync(TenantScope.AllTenants, deviceB.Id))!.Health);

        // The prefecture's SOC sees both towns.
        Assert.Equal(2, (await _store.ListTenantsAsync(TenantScope.AllTenants)).Count);
        Assert.Equal(2, (await _store.ListDevicesAsync(TenantScope.AllTenants)).Count);
        Assert.Equal(4, (await _store.ListSegmentsAsync(TenantScope.AllTenants)).Count);
    }

    [Fact]
    public async Task Town_scope_cannot_write_into_or_steal_from_another_town()
    {
        (Device deviceA, Device deviceB) = await SeedTwoTowns();
        TenantScope townA = TenantScope.For(_a.Id);
        Segment segmentB = (await _store.ListSegmentsAsync(TenantScope.For(_b.Id)))[0];

        await Assert.ThrowsAsync<TenantScopeException>(async () => await _store.UpsertDeviceAsync(townA, deviceB with { Hostname = "pwned" }));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _store.UpsertDeviceAsync(townA, deviceB with { Tenant = _a.Id }));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _store.UpsertDeviceAsync(townA, deviceA with { Segment = segmentB.Id }));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _store.UpsertSegmentAsync(townA, segmentB with { Tenant = _a.Id }));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _store.CreateTenantAsync(townA, _a with { Id = TenantId.New(), Code = MunicipalityCode.Parse("141003") }));

        Device unchanged = (await _store.GetDeviceAsync(TenantScope.AllTenants, deviceB.Id))!;
        Assert.Equal((_b.Id, "sapporo-pc-001"), (unchanged.Tenant, unchanged.Hostname));
    }

    [Fact]
    public async Task Devices_round_trip_and_heartbeats_update_them()
    {
        (Device deviceA, _) = await SeedTwoTowns();
        TenantScope townA = TenantScope.For(_a.Id);

        Assert.Equivalent(deviceA, await _store.GetDeviceAsync(townA, deviceA.Id));
        Assert.True(await _store.RecordHeartbeatAsync(townA, deviceA.Id, Events.T0.AddMinutes(5), "1.2.0", DeviceHealth.Healthy));
        Assert.True(await _store.RecordHeartbeatAsync(townA, deviceA.Id, Events.T0.AddMinutes(1), "1.2.0", DeviceHealth.Healthy));

        Device after = (await _store.GetDeviceAsync(townA, deviceA.Id))!;
        Assert.Equal((Events.T0.AddMinutes(5), "1.2.0", DeviceHealth.Healthy), (after.LastSeen, after.AgentVersion, after.Health));
    }

    [Fact]
    public async Task Municipality_code_is_registered_once()
    {
        await _store.CreateTenantAsync(TenantScope.AllTenants, _a);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await _store.CreateTenantAsync(TenantScope.AllTenants, _a with { Id = TenantId.New(), Name = "重複" }));
    }

    [Fact]
    public void Every_store_read_and_write_takes_a_tenant_scope()
    {
        // "No unscoped queries": a new store method without a scope fails here. CommitAsync carries
        // a scope inside each batch.
        MethodInfo[] methods = [.. typeof(IEventStore).GetMethods(), .. typeof(ITenancyStore).GetMethods()];
        foreach (MethodInfo method in methods.Where(m => m.Name != nameof(IEventStore.CommitAsync)))
        {
            Assert.True(
                method.GetParameters().FirstOrDefault()?.ParameterType == typeof(TenantScope),
                $"{method.DeclaringType!.Name}.{method.Name} does not take a TenantScope first");
        }

        Assert.Contains(typeof(BatchToCommit).GetProperties(), p => p.PropertyType == typeof(TenantScope));
    }

    private async Task<(Device A, Device B)> SeedTwoTowns()
    {
        TenantScope soc = TenantScope.AllTenants;
        await _store.CreateTenantAsync(soc, _a);
        await _store.CreateTenantAsync(soc, _b);
        var lgwanA = new Segment(SegmentId.New(), _a.Id, SegmentKind.Lgwan, "LGWAN接続系", [IPNetwork.Parse("10.20.0.0/16")]);
        var myNumberA = new Segment(SegmentId.New(), _a.Id, SegmentKind.MyNumber, "マイナンバー利用事務系", [IPNetwork.Parse("10.10.0.0/16"), IPNetwork.Parse("fd00:10::/32")]);
        var internetB = new Segment(SegmentId.New(), _b.Id, SegmentKind.Internet, "インターネット接続系", [IPNetwork.Parse("192.0.2.0/24")]);
        var lgwanB = new Segment(SegmentId.New(), _b.Id, SegmentKind.Lgwan, "LGWAN接続系", [IPNetwork.Parse("10.30.0.0/16")]);
        foreach (Segment s in new[] { lgwanA, myNumberA, internetB, lgwanB })
        {
            await _store.UpsertSegmentAsync(TenantScope.For(s.Tenant), s);
        }

        var deviceA = new Device(DeviceId.New(), _a.Id, "chiyoda-pc-001", "windows 10.0.22631", lgwanA.Id, "1.0.0", null, DeviceHealth.Unknown, IsolationState.None, ["財政課", "β"]);
        var deviceB = new Device(DeviceId.New(), _b.Id, "sapporo-pc-001", "linux 6.1", internetB.Id, "1.0.0", null, DeviceHealth.Unknown, IsolationState.None, []);
        await _store.UpsertDeviceAsync(TenantScope.For(_a.Id), deviceA);
        await _store.UpsertDeviceAsync(soc, deviceB);
        return (deviceA, deviceB);
    }
}
