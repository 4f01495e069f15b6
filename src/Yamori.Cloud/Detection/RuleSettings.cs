using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Detection;

/// <summary>A tenant's choice for one rule.</summary>
public enum RuleState
{
    /// <summary>Follow the global default (on, unless below <see cref="DetectionOptions.MinimumLevel"/>).</summary>
    Default = 0,

    /// <summary>On for this tenant, whatever the global default.</summary>
    Enabled = 1,

    /// <summary>Off for this tenant.</summary>
    Disabled = 2,
}

/// <summary>
/// A tenant's exception, written as a Sigma filter: when it matches an event on which one of the
/// rules it names fired, that tenant's alert is suppressed.
/// </summary>
/// <param name="RuleIds">Ids of the rules it names (names resolved to ids when saved).</param>
/// <param name="Yaml">The filter document as written.</param>
public sealed record SuppressionFilter(Guid Id, TenantId Tenant, string Title, IReadOnlyList<string> RuleIds, string Yaml, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A tenant's rule overrides (rule id → enabled) and exceptions.</summary>
public sealed record TenantRuleSettings(TenantId Tenant, IReadOnlyDictionary<string, bool> Overrides, IReadOnlyList<SuppressionFilter> Filters)
{
    public static TenantRuleSettings Empty(TenantId tenant) => new(tenant, new Dictionary<string, bool>(), []);
}

/// <summary>A rule setting before and after a change, for the audit log.</summary>
public sealed record RuleStateChange(TenantId Tenant, string RuleId, RuleState Before, RuleState After);

/// <summary>Per-tenant rule settings; reads outside the scope are empty, writes outside it throw <see cref="TenantScopeException"/>.</summary>
public interface IRuleSettingsStore
{
    ValueTask<TenantRuleSettings> GetAsync(TenantScope scope, TenantId tenant, CancellationToken cancellationToken = default);

    /// <summary>Sets (or, for <see cref="RuleState.Default"/>, removes) a tenant's override; returns the previous state.</summary>
    ValueTask<RuleState> SetRuleStateAsync(TenantScope scope, TenantId tenant, string ruleId, RuleState state, string actorId, DateTimeOffset at, CancellationToken cancellationToken = default);

    ValueTask SaveFilterAsync(TenantScope scope, SuppressionFilter filter, CancellationToken cancellationToken = default);

    /// <summary>The removed filter, or null when the tenant has no such filter.</summary>
    ValueTask<SuppressionFilter?> DeleteFilterAsync(TenantScope scope, TenantId tenant, Guid id, CancellationToken cancellationToken = default);
}
