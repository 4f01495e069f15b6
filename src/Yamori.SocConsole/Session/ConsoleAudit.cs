using System.Text.Json;
using System.Text.Json.Serialization;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Session;

/// <summary>
/// Writes the console's state changes to the hash-chained audit log, as the API does for its own:
/// who, what, when, from where, and before/after as JSON of the domain records (which hold no secrets).
/// </summary>
public sealed class ConsoleAudit(IAuditLog audit)
{
    // Enums by name, so an auditor reads "Investigating", not 2.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task RecordAsync(Actor actor, string action, TenantId? tenant, string targetType, string targetId, object? before, object? after, CancellationToken cancellationToken = default) =>
        await audit.AppendAsync(
            AuditRecord.For(actor, action, AuditOutcome.Succeeded, tenant, targetType, targetId, Serialize(before), Serialize(after), detail: "console"),
            cancellationToken);

    private static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), Json);
}
