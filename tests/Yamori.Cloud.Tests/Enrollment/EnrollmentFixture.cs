using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Enrollment;

/// <summary>
/// Two towns with a segment each, a real CA in a temporary data directory, and the enrollment
/// service and validator on a real SQLite file, all on one manual clock.
/// </summary>
internal sealed class EnrollmentFixture : IDisposable
{
    public EnrollmentFixture()
    {
        Tenancy = new SqliteTenancyStore(Temp.Database);
        Store = new SqliteEnrollmentStore(Temp.Database);
        Tenancy.CreateTenantAsync(TenantScope.AllTenants, A).AsTask().GetAwaiter().GetResult();
        Tenancy.CreateTenantAsync(TenantScope.AllTenants, B).AsTask().GetAwaiter().GetResult();
        Tenancy.UpsertSegmentAsync(TenantScope.For(A.Id), SegmentA).AsTask().GetAwaiter().GetResult();
        Tenancy.UpsertSegmentAsync(TenantScope.For(B.Id), SegmentB).AsTask().GetAwaiter().GetResult();
        Authority = CloudCertificateAuthority.OpenOrCreate(DataDirectory, Clock);
        Service = new EnrollmentService(Authority, Store, Store, Tenancy, Clock);
        Validator = new CertificateValidator(Authority, Store, Tenancy, Clock);
    }

    public TempDatabase Temp { get; } = new();

    public ManualClock Clock { get; } = new(Events.T0);

    public Tenant A { get; } = new(TenantId.New(), MunicipalityCode.Parse("131016"), "千代田区", 90, Events.T0);

    public Tenant B { get; } = new(TenantId.New(), MunicipalityCode.Parse("011002"), "札幌市", 180, Events.T0);

    public Segment SegmentA => new(SegmentIdA, A.Id, SegmentKind.Lgwan, "LGWAN", [IPNetwork.Parse("10.1.0.0/16")]);

    public Segment SegmentB => new(SegmentIdB, B.Id, SegmentKind.Lgwan, "LGWAN", [IPNetwork.Parse("10.2.0.0/16")]);

    public SegmentId SegmentIdA { get; } = SegmentId.New();

    public SegmentId SegmentIdB { get; } = SegmentId.New();

    public string DataDirectory => Path.Combine(Temp.Directory, "data");

    public SqliteTenancyStore Tenancy { get; }

    public SqliteEnrollmentStore Store { get; }

    public CloudCertificateAuthority Authority { get; }

    public EnrollmentService Service { get; }

    public CertificateValidator Validator { get; }

    /// <summary>A town admin's token for town A's segment.</summary>
    public string TokenForA(int uses = 5, TimeSpan? lifetime = null) =>
        Service.CreateTokenAsync(TenantScope.For(A.Id), A.Id, SegmentIdA, lifetime ?? TimeSpan.FromHours(1), uses, "admin@a")
            .AsTask().GetAwaiter().GetResult().Secret;

    public static string EcCsr(ECDsa key, string subject = "CN=pc-01") =>
        new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

    /// <summary>Enrolls a new device of town A and returns the result and its leaf certificate.</summary>
    public async Task<(EnrollmentResult Result, X509Certificate2 Leaf)> EnrollInA(string? token = null)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        EnrollmentResult result = await Service.EnrollAsync(token ?? TokenForA(), EcCsr(key), "pc-01", "windows 10.0.22631");
        Assert.True(result.Succeeded, $"{result.Refusal}: {result.Detail}");
        return (result, Leaf(result));
    }

    public static X509Certificate2 Leaf(EnrollmentResult result) => X509Certificate2.CreateFromPem(result.CertificateChainPem);

    public void Dispose()
    {
        Validator.Dispose();
        Authority.Dispose();
        Temp.Dispose();
    }
}
