using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Tenancy;
using Yamori.Server;
using Yamori.Server.Hosting;

namespace Yamori.Server.Tests.Support;

/// <summary>
/// A real cloud: Kestrel on loopback ports chosen by the OS, real TLS with the cloud's own CA, a
/// real SQLite file in a temporary directory. Two towns with one segment each.
/// </summary>
public sealed class CloudFixture : IAsyncDisposable
{
    private CloudFixture(string dataDirectory, WebApplication app)
    {
        DataDirectory = dataDirectory;
        App = app;
    }

    public string DataDirectory { get; }

    public WebApplication App { get; }

    public Tenant TownA { get; private set; } = null!;

    public Tenant TownB { get; private set; } = null!;

    public Segment SegmentA { get; private set; } = null!;

    public Segment SegmentB { get; private set; } = null!;

    public Uri ApiUri => App.Services.GetRequiredService<Listeners>().ApiUri;

    public Uri AgentUri => App.Services.GetRequiredService<Listeners>().AgentUri;

    public T Get<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<CloudFixture> StartAsync(string? dataDirectory = null, bool seed = true, IReadOnlyList<string>? rules = null, Func<ServerOptions, ServerOptions>? configure = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "yamori-server-tests", Guid.NewGuid().ToString("N"));
        var options = new ServerOptions
        {
            DataDirectory = dataDirectory,
            ApiEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            AgentEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            RuleDirectories = rules ?? [],

            // The real hash, at a test-friendly cost: sign-ins are many here and the algorithm is the same.
            Identity = new Yamori.Cloud.Identity.IdentityOptions { PasswordHash = new Yamori.Cloud.Identity.PasswordHashOptions { MemoryKiB = 8192, Iterations = 1 } },
        };
        options = configure?.Invoke(options) ?? options;
        WebApplication app = CloudServer.Build(options, b => b.Logging.SetMinimumLevel(LogLevel.Warning), settings);
        await app.StartAsync();
        var fixture = new CloudFixture(dataDirectory, app);
        if (seed)
        {
            await fixture.SeedAsync();
        }

        return fixture;
    }

    /// <summary>A one-use enrollment token for a segment of <paramref name="tenant"/>.</summary>
    public async Task<string> CreateTokenAsync(Tenant tenant, int uses = 1)
    {
        Segment segment = tenant == TownA ? SegmentA : SegmentB;
        IssuedEnrollmentToken issued = await Get<EnrollmentService>().CreateTokenAsync(
            TenantScope.For(tenant.Id), tenant.Id, segment.Id, TimeSpan.FromHours(1), uses, "fixture");
        return issued.Secret;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private async Task SeedAsync()
    {
        ITenancyStore tenancy = Get<ITenancyStore>();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        TownA = new Tenant(TenantId.New(), MunicipalityCode.Parse("131016"), "千代田区", 90, now);
        TownB = new Tenant(TenantId.New(), MunicipalityCode.Parse("011002"), "札幌市", 365, now);
        SegmentA = new Segment(SegmentId.New(), TownA.Id, SegmentKind.Lgwan, "LGWAN接続系", [IPNetwork.Parse("10.1.0.0/16")]);
        SegmentB = new Segment(SegmentId.New(), TownB.Id, SegmentKind.Lgwan, "LGWAN接続系", [IPNetwork.Parse("10.2.0.0/16")]);
        await tenancy.CreateTenantAsync(TenantScope.AllTenants, TownA);
        await tenancy.CreateTenantAsync(TenantScope.AllTenants, TownB);
        await tenancy.UpsertSegmentAsync(TenantScope.For(TownA.Id), SegmentA);
        await tenancy.UpsertSegmentAsync(TenantScope.For(TownB.Id), SegmentB);
    }
}
