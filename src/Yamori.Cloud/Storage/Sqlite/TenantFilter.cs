using Microsoft.Data.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// The one place where a <see cref="TenantScope"/> becomes SQL. Every read of tenant data in the
/// SQLite stores adds this predicate; a test checks each store method against another tenant.
/// </summary>
internal static class TenantFilter
{
    private const string Parameter = "$scope_tenant";

    /// <summary>A predicate limiting <paramref name="column"/> to the scope; binds its parameter on <paramref name="command"/>.</summary>
    public static string Predicate(SqliteCommand command, TenantScope scope, string column)
    {
        if (scope.Tenant is not { } tenant)
        {
            return "1 = 1";
        }

        command.Parameters.AddWithValue(Parameter, tenant.ToBlob());
        return $"{column} = {Parameter}";
    }
}
