using Microsoft.Data.Sqlite;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Tests.Support;

namespace Yamori.SocConsole.Tests.Tenants;

/// <summary>
/// A real cloud (<see cref="CloudFixture"/>: Kestrel, SQLite, towns A and B) with two small rule
/// packs, and the actors the admin screens' tests act as.
/// </summary>
public sealed class AdminCloud : IAsyncDisposable
{
    public const string CertutilId = "6b7c1a4e-3f0d-4e55-9a3c-2d1f00c0a001";
    public const string WhoamiId = "6b7c1a4e-3f0d-4e55-9a3c-2d1f00c0a002";

    private readonly string _rules;

    private AdminCloud(CloudFixture cloud, string rules)
    {
        Cloud = cloud;
        _rules = rules;
        SocAdmin = new Actor("00000000-0000-4000-8000-0000000000a1", "soc-admin", ActorKind.User, Role.SocAdmin, null, "192.0.2.1");
        SocAnalyst = new Actor("00000000-0000-4000-8000-0000000000a2", "soc-analyst", ActorKind.User, Role.SocAnalyst, null, "192.0.2.2");
        AdminA = new Actor("00000000-0000-4000-8000-0000000000b1", "admin-a", ActorKind.User, Role.TownAdmin, cloud.TownA.Id, "192.0.2.11");
        ViewerA = new Actor("00000000-0000-4000-8000-0000000000b2", "viewer-a", ActorKind.User, Role.TownViewer, cloud.TownA.Id, "192.0.2.12");
        AdminB = new Actor("00000000-0000-4000-8000-0000000000c1", "admin-b", ActorKind.User, Role.TownAdmin, cloud.TownB.Id, "192.0.2.21");
    }

    public CloudFixture Cloud { get; }

    public Tenant TownA => Cloud.TownA;

    public Tenant TownB => Cloud.TownB;

    public Actor SocAdmin { get; }

    public Actor SocAnalyst { get; }

    public Actor AdminA { get; }

    public Actor ViewerA { get; }

    public Actor AdminB { get; }

    public T Get<T>()
        where T : notnull => Cloud.Get<T>();

    public static async Task<AdminCloud> StartAsync()
    {
        string rules = Path.Combine(Path.GetTempPath(), "yamori-console-rules", Guid.NewGuid().ToString("N"));
        Write(Path.Combine(rules, "pack-a", "certutil.yml"), $"""
            title: Certutil downloads a file
            id: {CertutilId}
            status: test
            level: high
            tags:
                - attack.command-and-control
                - attack.t1105
            logsource:
                category: process_creation
                product: windows
            detection:
                selection:
                    Image|endswith: '\certutil.exe'
                    CommandLine|contains: 'urlcache'
                condition: selection
            """);
        Write(Path.Combine(rules, "pack-b", "whoami.yml"), $"""
            title: Whoami run by a user
            id: {WhoamiId}
            status: experimental
            level: medium
            tags:
                - attack.discovery
                - attack.t1033
            logsource:
                category: process_creation
                product: windows
            detection:
                selection:
                    Image|endswith: '\whoami.exe'
                condition: selection
            """);
        CloudFixture cloud = await CloudFixture.StartAsync(rules: [rules]);
        return new AdminCloud(cloud, rules);
    }

    /// <summary>Every audit entry (SOC scope), oldest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync()
    {
        var all = new List<AuditEntry>();
        long after = 0;
        while (true)
        {
            AuditPage page = await Get<IAuditLog>().QueryAsync(TenantScope.AllTenants, new AuditQuery(AfterSequence: after, Limit: AuditQuery.MaxLimit));
            all.AddRange(page.Entries);
            if (page.NextAfterSequence is not { } next)
            {
                return all;
            }

            after = next;
        }
    }

    /// <summary>
    /// Changes a stored audit row behind the log's back, as an attacker with the database file
    /// would: the append-only trigger is dropped for the change and put back.
    /// </summary>
    public void TamperAuditRow(long sequence, string newActorName)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(Cloud.DataDirectory, "yamori.db"), Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand read = connection.CreateCommand();
        read.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_update'";
        string trigger = (string)read.ExecuteScalar()!;
        using SqliteCommand tamper = connection.CreateCommand();
        tamper.CommandText = "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_name = $name WHERE sequence = $seq;";
        tamper.Parameters.AddWithValue("$name", newActorName);
        tamper.Parameters.AddWithValue("$seq", sequence);
        Assert.Equal(1, tamper.ExecuteNonQuery());
        using SqliteCommand restore = connection.CreateCommand();
        restore.CommandText = trigger;
        restore.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        await Cloud.DisposeAsync();
        try
        {
            Directory.Delete(_rules, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
