namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Alerts, incidents and per-tenant rule settings. (Placeholder until the detection area lands.)</summary>
internal static partial class SqliteSchema
{
    private const string V5Detection = """
        SELECT 1;
        """;
}
