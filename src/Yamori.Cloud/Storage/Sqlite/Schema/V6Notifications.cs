namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Contacts and deliveries. (Placeholder until the notifications area lands.)</summary>
internal static partial class SqliteSchema
{
    private const string V6Notifications = """
        SELECT 1;
        """;
}
