using System.Net;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Events;
using Yamori.Cloud.Health;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Tests.Support;
using Yamori.Sigma.Rules;

namespace Yamori.SocConsole.Tests.Devices;

/// <summary>
/// A real cloud (Kestrel, SQLite) with devices, telemetry, an agent report and an incident in two
/// towns, put in through the same stores the ingest path writes. Shared by the device and hunting
/// view tests, which only read.
/// </summary>
public sealed class SeededCloud : IAsyncLifetime
{
    public const string CommaQuoteNewline = "\"C:\\Tools\\x.exe\" /arg \"a,b\"\r\nsecond line";

    public CloudFixture Cloud { get; private set; } = null!;

    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public Segment InternetA { get; private set; } = null!;

    /// <summary>Town A, LGWAN, healthy, online; has events, an agent report and an incident.</summary>
    public Device APc01 { get; private set; } = null!;

    /// <summary>Town A, internet segment, degraded, offline for two hours, isolated.</summary>
    public Device APc02 { get; private set; } = null!;

    /// <summary>Town A, no segment, unhealthy, never seen.</summary>
    public Device ASrv03 { get; private set; } = null!;

    /// <summary>Town B, LGWAN, healthy, online; runs PowerShell too.</summary>
    public Device BPc01 { get; private set; } = null!;

    public Guid IncidentA { get; private set; }

    /// <summary>The first-start operator (soc-admin), signed in over the API with password and TOTP.</summary>
    public ApiClient Operator { get; private set; } = null!;

    public Actor Soc => Actor("soc", Role.SocAnalyst, null);

    public Actor TownAViewer => Actor("a-viewer", Role.TownViewer, Cloud.TownA.Id);

    public Actor TownBAdmin => Actor("b-admin", Role.TownAdmin, Cloud.TownB.Id);

    public T Get<T>()
        where T : notnull => Cloud.Get<T>();

    public async Task InitializeAsync()
    {
        Cloud = await CloudFixture.StartAsync();

        // First start creates the operator only while there are no users, so before anything else.
        Operator = await ApiClient.SignInOperatorAsync(Cloud);
        ITenancyStore tenancy = Get<ITenancyStore>();
        TenantScope a = TenantScope.For(Cloud.TownA.Id), b = TenantScope.For(Cloud.TownB.Id);
        InternetA = new Segment(SegmentId.New(), Cloud.TownA.Id, SegmentKind.Internet, "インターネット接続系", [IPNetwork.Parse("10.1.200.0/24")]);
        await tenancy.UpsertSegmentAsync(a, InternetA);

        APc01 = await DeviceAsync(a, Cloud.TownA.Id, "a-pc-01", Cloud.SegmentA.Id, Now.AddMinutes(-1), DeviceHealth.Healthy, IsolationState.None, ["総務課"]);
        APc02 = await DeviceAsync(a, Cloud.TownA.Id, "A-PC-02", InternetA.Id, Now.AddHours(-2), DeviceHealth.Degraded, IsolationState.Isolated, []);
        ASrv03 = await DeviceAsync(a, Cloud.TownA.Id, "a-srv-03", null, null, DeviceHealth.Unhealthy, IsolationState.None, []);
        BPc01 = await DeviceAsync(b, Cloud.TownB.Id, "b-pc-01", Cloud.SegmentB.Id, Now.AddSeconds(-30), DeviceHealth.Healthy, IsolationState.None, []);

        IEventStore events = Get<IEventStore>();
        CommitOutcome stored = await events.CommitBatchAsync(a, APc01.Id, 1,
        [
            Process(Now.AddDays(-3), @"C:\Windows\System32\notepad.exe", "notepad.exe old.txt"),
            Process(Now.AddMinutes(-40), @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -NoProfile -EncodedCommand SQBFAFgA"),
            Process(Now.AddMinutes(-30), @"C:\Windows\System32\cmd.exe", "cmd.exe /c whoami"),
            new TelemetryEvent(Now.AddMinutes(-20), new LogSource("windows", "network_connection", ""),
            [
                new EventField("Image", EventValue.From(@"C:\Program Files\Google\Chrome\Application\chrome.exe")),
                new EventField("DestinationIp", EventValue.From("203.0.113.5")),
                new EventField("DestinationPort", EventValue.From(443L)),
            ]),
            new TelemetryEvent(Now.AddMinutes(-10), new LogSource("windows", "file_event", ""),
            [
                new EventField("Image", EventValue.From(@"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe")),
                new EventField("TargetFilename", EventValue.From(@"C:\Users\yamada\AppData\Local\Temp\stage2.ps1")),
            ]),
            Process(Now.AddMinutes(-5), @"C:\Tools\x.exe", CommaQuoteNewline),
        ]);
        Assert.Equal(CommitStatus.Stored, stored.Status);
        Assert.Equal(CommitStatus.Stored, (await events.CommitBatchAsync(b, BPc01.Id, 1,
        [
            Process(Now.AddMinutes(-15), @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -nop -w hidden"),
        ])).Status);

        await Get<IAgentReportStore>().ReplaceAsync(a, new AgentReport(
            Cloud.TownA.Id, APc01.Id, Now.AddMinutes(-1), "1.4.2", 12, 34_567, new Dictionary<string, ulong> { ["spool_full"] = 7, ["rate_limit"] = 0 }, 2.5, 48 * 1024 * 1024));

        StoredEvent powershell = stored.Stored[1];
        IReadOnlyList<Alert> alerts = await Get<AlertCorrelator>().ProcessAsync(
            [new AlertCandidate(Cloud.TownA.Id, APc01.Id, "test-encoded-powershell", "Encoded PowerShell", SigmaLevel.High, ["attack.t1059.001"], powershell.Id, powershell.Event.Time)]);
        IncidentA = Assert.Single(alerts).IncidentId ?? throw new InvalidOperationException("the alert joined no incident");
    }

    public async Task DisposeAsync()
    {
        Operator.Dispose();
        await Cloud.DisposeAsync();
    }

    public static TelemetryEvent Process(DateTimeOffset time, string image, string commandLine) =>
        new(time, new LogSource("windows", "process_creation", ""),
        [
            new EventField("Image", EventValue.From(image)),
            new EventField("CommandLine", EventValue.From(commandLine)),
            new EventField("User", EventValue.From(@"TOWN\yamada")),
        ]);

    private static Actor Actor(string id, Role role, TenantId? town) => new(id, id, ActorKind.User, role, town, "127.0.0.1");

    private async Task<Device> DeviceAsync(TenantScope scope, TenantId town, string host, SegmentId? segment, DateTimeOffset? seen, DeviceHealth health, IsolationState isolation, IReadOnlyList<string> tags)
    {
        var device = new Device(DeviceId.New(), town, host, "windows 10.0.22631", segment, "1.4.2", seen, health, isolation, tags);
        await Get<ITenancyStore>().UpsertDeviceAsync(scope, device);
        return device;
    }
}

[CollectionDefinition(Name)]
public sealed class SeededCloudCollection : ICollectionFixture<SeededCloud>
{
    public const string Name = "devices and hunting: seeded cloud";
}
