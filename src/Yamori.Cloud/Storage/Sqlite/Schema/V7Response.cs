namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Response commands and their results. (Placeholder until the response area lands.)</summary>
internal static partial class SqliteSchema
{
    private const string V7Response = """
        SELECT 1;
        """;
}
