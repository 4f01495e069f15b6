namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>The hash-chained audit log. (Placeholder until the audit area lands.)</summary>
internal static partial class SqliteSchema
{
    private const string V4Audit = """
        SELECT 1;
        """;
}
