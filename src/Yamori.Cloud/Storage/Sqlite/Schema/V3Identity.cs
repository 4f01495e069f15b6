namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>People: users, sessions, API tokens. (Placeholder until the identity area lands.)</summary>
internal static partial class SqliteSchema
{
    private const string V3Identity = """
        SELECT 1;
        """;
}
