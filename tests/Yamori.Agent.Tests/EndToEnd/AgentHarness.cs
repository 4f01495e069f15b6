using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Yamori.Agent.Enrollment;
using Yamori.Agent.Hosting;
using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;
using Yamori.Contracts.Agent.V1;
using Yamori.Server.Tests.Support;

namespace Yamori.Agent.Tests.EndToEnd;

/// <summary>
/// A real agent for end-to-end tests: enrolled over HTTPS with CA pinning into a real cloud, then
/// run with the real spool on disk and the real uplink over mutual TLS.
/// </summary>
internal sealed class AgentHarness : IDisposable
{
    private AgentHarness(AgentOptions options, IdentityInfo identity)
    {
        Options = options;
        Identity = identity;
    }

    public AgentOptions Options { get; }

    public IdentityInfo Identity { get; }

    public DeviceId Device => DeviceId.Parse(Identity.DeviceId);

    public TenantId Tenant => new(Guid.Parse(Identity.TenantId));

    public static ILoggerFactory Loggers { get; } = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));

    public static async Task<AgentHarness> EnrollAsync(CloudFixture cloud, Tenant town, Func<AgentOptions, AgentOptions>? configure = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "yamori-agent-tests", Guid.NewGuid().ToString("N"));
        var options = new AgentOptions
        {
            DataDirectory = dir,
            HeartbeatInterval = TimeSpan.FromSeconds(2),
            BatchLinger = TimeSpan.FromMilliseconds(20),
            BatchMaxEvents = 200,
            ReconnectMin = TimeSpan.FromMilliseconds(100),
            ReconnectMax = TimeSpan.FromSeconds(1),
            SpoolFsync = FsyncPolicy.Never,

            // Tests share two cores with the cloud they talk to: the governor must not shed their events.
            CpuBudgetPercent = 10_000,
        };
        options = configure?.Invoke(options) ?? options;
        string token = await cloud.CreateTokenAsync(town);
        using X509Certificate2 ca = cloud.Get<CloudCertificateAuthority>().Certificate;
        IdentityInfo identity = await AgentEnroller.EnrollAsync(cloud.ApiUri, token, ca.GetCertHashString(HashAlgorithmName.SHA256), options.IdentityDirectory, "pc-" + Guid.NewGuid().ToString("N")[..8]);
        return new AgentHarness(options, identity);
    }

    public AgentRuntime Open(
        IReadOnlyList<ICollector>? collectors = null,
        Func<AgentRuntime, Func<Command, CancellationToken, Task<CommandResult>>?>? commands = null,
        Func<SpoolOptions, ISpool>? spool = null) =>
        AgentRuntime.Open(Options, spool ?? (o => new SegmentSpool(o)), collectors ?? [], commands ?? (_ => null), Loggers);

    /// <summary>Every event the cloud stored for this device (all pages).</summary>
    public async Task<List<StoredEvent>> StoredEventsAsync(CloudFixture cloud)
    {
        var all = new List<StoredEvent>();
        long? after = null;
        while (true)
        {
            IReadOnlyList<StoredEvent> page = await cloud.Get<IEventStore>().QueryEventsAsync(
                TenantScope.For(Tenant), new EventQuery(Device, DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1), 1000, after));
            all.AddRange(page);
            if (page.Count < 1000)
            {
                return all;
            }

            after = page[^1].Id;
        }
    }

    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Options.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}
