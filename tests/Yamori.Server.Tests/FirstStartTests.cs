using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Hosting;
using Yamori.Server.Tests.Support;

namespace Yamori.Server.Tests;

public sealed class FirstStartTests
{
    [Fact]
    public async Task Demo_creates_towns_with_three_segments_and_working_tokens_once()
    {
        // The fixture seeds its own towns, so start from a cloud whose tenants are removed: use a fresh one.
        await using CloudFixture cloud = await CloudFixture.StartAsync(seed: false);
        IReadOnlyList<DemoTown> towns = await FirstStart.CreateDemoAsync(cloud.App.Services);

        Assert.Equal(["軽井沢町", "小布施町"], towns.Select(t => t.Name));
        IReadOnlyList<Segment> segments = await cloud.Get<ITenancyStore>().ListSegmentsAsync(TenantScope.For(towns[0].Tenant));
        Assert.Equal([SegmentKind.MyNumber, SegmentKind.Lgwan, SegmentKind.Internet], segments.Select(s => s.Kind).Order());
        Assert.Equal(2, towns[0].Tokens.Count);
        Assert.DoesNotContain(towns[0].Tokens[0].Secret, towns[0].Tokens[0].ToString(), StringComparison.Ordinal);

        using var ca = cloud.Get<CloudCertificateAuthority>().Certificate;
        using var agent = new TestAgent(ca);
        var identity = await agent.EnrollAsync(cloud.ApiUri, towns[1].Tokens[0].Secret);
        Assert.Equal(towns[1].Tenant.ToString(), identity.TenantId);

        Assert.Empty(await FirstStart.CreateDemoAsync(cloud.App.Services));
    }
}
