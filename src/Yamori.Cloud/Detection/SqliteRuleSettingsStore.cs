using System.Text.Json;
using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Detection;

/// <summary><see cref="IRuleSettingsStore"/> on the embedded SQLite file.</summary>
public sealed class SqliteRuleSettingsStore(SqliteDatabase database) : IRuleSettingsStore
{
    public ValueTask<TenantRuleSettings> GetAsync(TenantScope scope, TenantId tenant, CancellationToken cancellationToken = default)
    {
        if (!scope.Allows(tenant))
        {
            return ValueTask.FromResult(TenantRuleSettings.Empty(tenant));
        }

        using SqliteConnection connection = database.OpenConnection();
        var overrides = new Dictionary<string, bool>(StringComparer.Ordinal);
        using (SqliteCommand cmd = connection.CreateCommand())
        {
            cmd.CommandText = $"SELECT rule_id, enabled FROM rule_overrides WHERE tenant_id = $tenant AND {TenantFilter.Predicate(cmd, scope, "tenant_id")}";
            cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                overrides[r.GetString(0)] = r.GetInt32(1) != 0;
            }
        }

        var filters = new List<SuppressionFilter>();
        using (SqliteCommand cmd = connection.CreateCommand())
        {
            cmd.CommandText = $"""
                SELECT id, title, rule_ids, yaml, created_by, created_ticks FROM rule_filters
                WHERE tenant_id = $tenant AND {TenantFilter.Predicate(cmd, scope, "tenant_id")} ORDER BY created_ticks, id
                """;
            cmd.Parameters.AddWithValue("$tenant", tenant.ToBlob());
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                filters.Add(new SuppressionFilter(
                    r.GetGuid(0),
                    tenant,
                    r.GetString(1),
                    JsonSerializer.Deserialize<string[]>(r.GetString(2))!,
                    r.GetString(3),
                    r.GetString(4),
                    new DateTimeOffset(r.GetInt64(5), TimeSpan.Zero)));
            }
        }

        return ValueTask.FromResult(new TenantRuleSettings(tenant, overrides, filters));
    }

    public ValueTask<RuleState> SetRuleStateAsync(TenantScope scope, TenantId tenant, string ruleId, RuleState state, string actorId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        TenantId target = scope.ForWrite(tenant);
        using SqliteConnection connection = database.OpenConnection();
        using WriteGate gate = database.EnterWrite();
        using SqliteTransaction tx = connection.BeginTransaction();
        RuleState before = RuleState.Default;
        using (SqliteCommand read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT enabled FROM rule_overrides WHERE tenant_id = $tenant AND rule_id = $rule";
            read.Parameters.AddWithValue("$tenant", target.ToBlob());
            read.Parameters.AddWithValue("$rule", ruleId);
            if (read.ExecuteScalar() is long enabled)
            {
                before = enabled != 0 ? RuleState.Enabled : RuleState.Disabled;
            }
        }

        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        if (state == RuleState.Default)
        {
            cmd.CommandText = "DELETE FROM rule_overrides WHERE tenant_id = $tenant AND rule_id = $rule";
        }
        else
        {
            cmd.CommandText = """
                INSERT INTO rule_overrides (tenant_id, rule_id, enabled, updated_by, updated_ticks) VALUES ($tenant, $rule, $enabled, $by, $at)
                ON CONFLICT (tenant_id, rule_id) DO UPDATE SET enabled = excluded.enabled, updated_by = excluded.updated_by, updated_ticks = excluded.updated_ticks
                """;
            cmd.Parameters.AddWithValue("$enabled", state == RuleState.Enabled ? 1 : 0);
            cmd.Parameters.AddWithValue("$by", actorId);
            cmd.Parameters.AddWithValue("$at", at.UtcTicks);
        }

        cmd.Parameters.AddWithValue("$tenant", target.ToBlob());
        cmd.Parameters.AddWithValue("$rule", ruleId);
        cmd.ExecuteNonQuery();
        tx.Commit();
        return ValueTask.FromResult(before);
    }

    public ValueTask SaveFilterAsync(TenantScope scope, SuppressionFilter filter, CancellationToken cancellationToken = default)
    {
        TenantId target = scope.ForWrite(filter.Tenant);
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO rule_filters (id, tenant_id, title, rule_ids, yaml, created_by, created_ticks)
            VALUES ($id, $tenant, $title, $rules, $yaml, $by, $at)
            ON CONFLICT (id) DO UPDATE SET title = excluded.title, rule_ids = excluded.rule_ids, yaml = excluded.yaml
            WHERE rule_filters.tenant_id = excluded.tenant_id
            """;
        cmd.Parameters.AddWithValue("$id", filter.Id.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", target.ToBlob());
        cmd.Parameters.AddWithValue("$title", filter.Title);
        cmd.Parameters.AddWithValue("$rules", JsonSerializer.Serialize(filter.RuleIds));
        cmd.Parameters.AddWithValue("$yaml", filter.Yaml);
        cmd.Parameters.AddWithValue("$by", filter.CreatedBy);
        cmd.Parameters.AddWithValue("$at", filter.CreatedAt.UtcTicks);
        if (cmd.ExecuteNonQuery() == 0)
        {
            throw new TenantScopeException($"filter {filter.Id} belongs to another tenant");
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask<SuppressionFilter?> DeleteFilterAsync(TenantScope scope, TenantId tenant, Guid id, CancellationToken cancellationToken = default)
    {
        TenantId target = scope.ForWrite(tenant);
        TenantRuleSettings settings = await GetAsync(scope, target, cancellationToken);
        SuppressionFilter? existing = settings.Filters.FirstOrDefault(f => f.Id == id);
        if (existing is null)
        {
            return null;
        }

        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM rule_filters WHERE id = $id AND tenant_id = $tenant";
        cmd.Parameters.AddWithValue("$id", id.ToByteArray());
        cmd.Parameters.AddWithValue("$tenant", target.ToBlob());
        return cmd.ExecuteNonQuery() == 1 ? existing : null;
    }
}
