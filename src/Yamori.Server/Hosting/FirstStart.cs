using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Server.Hosting;

/// <summary>A demo town as created on first start, with the enrollment tokens (shown once).</summary>
public sealed record DemoTown(string Name, string Code, TenantId Tenant, IReadOnlyList<DemoToken> Tokens);

/// <summary>An enrollment token for one segment; <see cref="Secret"/> exists only in this report.</summary>
public sealed record DemoToken(string Segment, string Secret, DateTimeOffset ExpiresAt)
{
    public override string ToString() => $"DemoToken {{ Segment = {Segment}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>
/// What start-up creates when the data directory is new: with <c>--demo</c>, a demo prefecture
/// (長野県) with two towns, their three-layer segments and enrollment tokens for the LGWAN and
/// internet segments (the マイナンバー segment is enrolled on site, never with a token that
/// travels by mail).
/// </summary>
public static class FirstStart
{
    /// <summary>
    /// Creates the operator (a soc-admin) when no user exists yet. Its password and TOTP secret are
    /// returned once, for <c>yamori up</c> to print; they are not stored in readable form anywhere.
    /// </summary>
    public static async Task<BootstrapCredentials?> CreateOperatorAsync(IServiceProvider services, CancellationToken cancellationToken = default) =>
        await services.GetRequiredService<UserAdministration>().BootstrapOperatorAsync(cancellationToken: cancellationToken);

    private static readonly (string Name, string Code, int Octet)[] DemoTowns = [("軽井沢町", "203211", 21), ("小布施町", "205419", 54)];

    /// <returns>The towns created now; empty when demo data exists already or was not asked for.</returns>
    public static async Task<IReadOnlyList<DemoTown>> CreateDemoAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ITenancyStore tenancy = services.GetRequiredService<ITenancyStore>();
        if ((await tenancy.ListTenantsAsync(TenantScope.AllTenants, cancellationToken)).Count > 0)
        {
            return [];
        }

        EnrollmentService enrollment = services.GetRequiredService<EnrollmentService>();
        DateTimeOffset now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var towns = new List<DemoTown>();
        foreach ((string name, string code, int octet) in DemoTowns)
        {
            var tenant = new Tenant(TenantId.New(), MunicipalityCode.Parse(code), name, 180, now);
            await tenancy.CreateTenantAsync(TenantScope.AllTenants, tenant, cancellationToken);
            TenantScope scope = TenantScope.For(tenant.Id);
            var tokens = new List<DemoToken>();
            foreach ((SegmentKind kind, string segmentName, int third) in new[]
            {
                (SegmentKind.MyNumber, "マイナンバー利用事務系", 1),
                (SegmentKind.Lgwan, "LGWAN接続系", 2),
                (SegmentKind.Internet, "インターネット接続系", 3),
            })
            {
                var segment = new Segment(SegmentId.New(), tenant.Id, kind, segmentName, [IPNetwork.Parse($"10.{octet}.{third}.0/24")]);
                await tenancy.UpsertSegmentAsync(scope, segment, cancellationToken);
                if (kind != SegmentKind.MyNumber)
                {
                    IssuedEnrollmentToken issued = await enrollment.CreateTokenAsync(scope, tenant.Id, segment.Id, TimeSpan.FromDays(7), 100, "yamori up --demo", cancellationToken);
                    tokens.Add(new DemoToken(segmentName, issued.Secret, issued.Token.ExpiresAt));
                }
            }

            towns.Add(new DemoTown(name, code, tenant.Id, tokens));
        }

        return towns;
    }
}
