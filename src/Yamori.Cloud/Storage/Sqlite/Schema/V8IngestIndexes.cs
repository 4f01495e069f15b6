namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// One index fewer on the hottest table. Every event row updated four B-trees; retention, the only
/// user of (tenant, received), runs once a day and can afford to scan, while ingest pays per event.
/// </summary>
internal static partial class SqliteSchema
{
    private const string V8IngestIndexes = """
        DROP INDEX ix_events_tenant_received;
        """;
}
