using Microsoft.Data.Sqlite;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Identity.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Identity;

/// <summary>
/// Two towns, the identity stores and services and the audit log on one real SQLite file and one
/// manual clock. Argon2 runs with tiny costs so tests stay quick; the algorithm is the same.
/// </summary>
internal sealed class IdentityFixture : IDisposable
{
    public const string Password = "correct-horse-battery";

    public static readonly PasswordHashOptions FastHash = new() { MemoryKiB = 64, Iterations = 1, Parallelism = 1 };

    public IdentityFixture(IdentityOptions? options = null)
    {
        Options = options ?? new IdentityOptions { PasswordHash = FastHash };
        var tenancy = new SqliteTenancyStore(Temp.Database);
        tenancy.CreateTenantAsync(TenantScope.AllTenants, A).AsTask().GetAwaiter().GetResult();
        tenancy.CreateTenantAsync(TenantScope.AllTenants, B).AsTask().GetAwaiter().GetResult();
        Users = new SqliteUserStore(Temp.Database);
        Sessions = new SqliteSessionStore(Temp.Database);
        Tokens = new SqliteApiTokenStore(Temp.Database);
        Audit = new SqliteAuditLog(Temp.Database, Clock);
        Protector = new SecretProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        SignIn = new SignInService(Users, Sessions, Audit, Protector, Options, Clock);
        Admin = new UserAdministration(Users, Sessions, Audit, Protector, Options, Clock);
        ApiTokens = new ApiTokenService(Tokens, Audit, Clock);
    }

    public TempDatabase Temp { get; } = new();

    public ManualClock Clock { get; } = new(Events.T0);

    public IdentityOptions Options { get; }

    public Tenant A { get; } = new(TenantId.New(), MunicipalityCode.Parse("131016"), "千代田区", 90, Events.T0);

    public Tenant B { get; } = new(TenantId.New(), MunicipalityCode.Parse("011002"), "札幌市", 180, Events.T0);

    public SqliteUserStore Users { get; }

    public SqliteSessionStore Sessions { get; }

    public SqliteApiTokenStore Tokens { get; }

    public SqliteAuditLog Audit { get; }

    public SecretProtector Protector { get; }

    public SignInService SignIn { get; }

    public UserAdministration Admin { get; }

    public ApiTokenService ApiTokens { get; }

    /// <summary>The SOC administrator every test acts as when it needs one (not stored).</summary>
    public static Actor SocAdmin { get; } = new("soc-admin-actor", "soc", ActorKind.User, Role.SocAdmin, null, "192.0.2.1");

    public static Actor SocAnalyst { get; } = new("soc-analyst-actor", "analyst", ActorKind.User, Role.SocAnalyst, null, "192.0.2.2");

    public Actor TownAdmin(Tenant t) => new($"admin-{t.Code}", $"admin@{t.Code}", ActorKind.User, Role.TownAdmin, t.Id, "198.51.100.1");

    public Actor TownViewer(Tenant t) => new($"viewer-{t.Code}", $"viewer@{t.Code}", ActorKind.User, Role.TownViewer, t.Id, "198.51.100.2");

    /// <summary>Creates a user with <see cref="Password"/> through the administration service (as soc-admin).</summary>
    public UserView CreateUser(string login, Role role, Tenant? tenant) =>
        Admin.CreateUserAsync(SocAdmin, new NewUser(login, login, role, tenant?.Id, Password)).AsTask().GetAwaiter().GetResult().User;

    /// <summary>The current TOTP code of a base32 secret at the fixture's clock.</summary>
    public string CodeNow(string secretBase32, TimeSpan offset = default) =>
        Totp.Code(Base32.TryDecode(secretBase32)!, Totp.StepAt(Clock.GetUtcNow() + offset));

    /// <summary>Signs a SOC user in for the first time, setting up TOTP; returns the secret.</summary>
    public async Task<(SignInResult.Succeeded Session, string Secret)> SignInWithTotpSetup(string login)
    {
        var setup = Assert.IsType<SignInResult.TotpSetupRequired>(await SignIn.SignInAsync(login, Password, "203.0.113.5"));
        var done = Assert.IsType<SignInResult.Succeeded>(await SignIn.CompleteTotpAsync(setup.Ticket, CodeNow(setup.SecretBase32), "203.0.113.5"));
        return (done, setup.SecretBase32);
    }

    public async Task<List<AuditEntry>> AuditEntries(string? actionPrefix = null) =>
        [.. (await Audit.QueryAsync(TenantScope.AllTenants, new AuditQuery(ActionPrefix: actionPrefix, Limit: AuditQuery.MaxLimit))).Entries];

    /// <summary>Every byte of the database file and its WAL, for "the secret is nowhere" checks.</summary>
    public byte[] DatabaseBytes()
    {
        SqliteConnection.ClearAllPools();
        byte[] file = File.ReadAllBytes(Temp.Path);
        string wal = Temp.Path + "-wal";
        return File.Exists(wal) ? [.. file, .. File.ReadAllBytes(wal)] : file;
    }

    public void Dispose()
    {
        Audit.Dispose();
        Protector.Dispose();
        Temp.Dispose();
    }
}
