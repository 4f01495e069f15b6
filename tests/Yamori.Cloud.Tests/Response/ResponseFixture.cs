using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Response;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Tests.Response;

/// <summary>Two towns with devices, a manual clock and the response service over a real database.</summary>
internal sealed class ResponseFixture : IDisposable
{
    public ResponseFixture(ResponseOptions? options = null)
    {
        Tenancy = new SqliteTenancyStore(Temp.Database);
        Store = new SqliteResponseStore(Temp.Database);
        Options = (options ?? new ResponseOptions()) with { CollectedFilesDirectory = FilesDirectory };
        Service = new ResponseService(Store, Tenancy, Options, Clock);
        Tenancy.CreateTenantAsync(TenantScope.AllTenants, new Tenant(TownA, MunicipalityCode.Parse("131016"), "千代田区", 90, Events.T0)).AsTask().Wait();
        Tenancy.CreateTenantAsync(TenantScope.AllTenants, new Tenant(TownB, MunicipalityCode.Parse("011002"), "札幌市", 90, Events.T0)).AsTask().Wait();
        foreach ((DeviceId id, TenantId tenant, string host) in new[] { (DeviceA1, TownA, "pc-a1"), (DeviceA2, TownA, "pc-a2"), (DeviceB1, TownB, "pc-b1") })
        {
            Tenancy.UpsertDeviceAsync(TenantScope.For(tenant), new Device(id, tenant, host, "windows 10.0.22631", null, "1.0.0", null,
                DeviceHealth.Healthy, IsolationState.None, [])).AsTask().Wait();
        }
    }

    public TempDatabase Temp { get; } = new();

    public string FilesDirectory => Path.Combine(Temp.Directory, "collected");

    public ManualClock Clock { get; } = new(Events.T0);

    public SqliteTenancyStore Tenancy { get; }

    public SqliteResponseStore Store { get; }

    public ResponseOptions Options { get; }

    public ResponseService Service { get; }

    public TenantId TownA { get; } = TenantId.New();

    public TenantId TownB { get; } = TenantId.New();

    public DeviceId DeviceA1 { get; } = DeviceId.New();

    public DeviceId DeviceA2 { get; } = DeviceId.New();

    public DeviceId DeviceB1 { get; } = DeviceId.New();

    public TenantScope ScopeA => TenantScope.For(TownA);

    public TenantScope ScopeB => TenantScope.For(TownB);

    public Actor SocAdmin => Person(Role.SocAdmin, null);

    public Actor Analyst => Person(Role.SocAnalyst, null);

    public Actor AdminA => Person(Role.TownAdmin, TownA);

    public Actor AdminB => Person(Role.TownAdmin, TownB);

    public Actor ViewerA => Person(Role.TownViewer, TownA);

    public DateTimeOffset Now => Clock.GetUtcNow();

    public static Actor Person(Role role, TenantId? tenant) =>
        new($"id-{role.ToWire()}-{tenant}", $"{role.ToWire()} user", ActorKind.User, role, tenant, "192.0.2.10");

    public static CommandResult Result(Guid id, CommandStatus status = CommandStatus.Succeeded, string message = "done", byte[]? output = null, string? sha = null, ulong size = 0) => new()
    {
        CommandId = id.ToString("D"),
        Status = status,
        Message = message,
        Output = ByteString.CopyFrom(output ?? []),
        Sha256 = sha ?? "",
        SizeBytes = size,
        FinishedAt = Timestamp.FromDateTimeOffset(Events.T0.AddMinutes(1)),
    };

    /// <summary>Requests and delivers a command, returning its id.</summary>
    public async Task<Guid> Delivered(Actor actor, DeviceId device, ResponseAction action, TenantScope deviceScope)
    {
        CommandChange change = await Service.RequestAsync(actor, device, action);
        IReadOnlyList<DeliveredCommand> sent = await Service.TakeDeliverableAsync(deviceScope, device, Now);
        Assert.Contains(sent, d => d.Change.After.Id == change.After.Id);
        return change.After.Id;
    }

    public void Dispose() => Temp.Dispose();
}
