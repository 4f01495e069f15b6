using Yamori.Sigma.Events;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Detection;

/// <summary>
/// One tenant's compiled rule settings, as the detection workers consult them after a match:
/// whether the rule is on for the tenant, and whether one of its exceptions suppresses the match.
/// Immutable: a settings change builds a new profile.
/// </summary>
public sealed class TenantProfile
{
    private readonly IReadOnlyDictionary<string, bool> _overrides;
    private readonly SigmaLevel _minimumLevel;
    private readonly CompiledTenantFilters? _filters;

    internal TenantProfile(IReadOnlyDictionary<string, bool> overrides, SigmaLevel minimumLevel, CompiledTenantFilters? filters)
    {
        _overrides = overrides;
        _minimumLevel = minimumLevel;
        _filters = filters;
    }

    /// <summary>Whether alerts of <paramref name="rule"/> are raised for this tenant.</summary>
    public bool IsEnabled(SigmaRule rule) =>
        _overrides.Count != 0 && _overrides.TryGetValue(rule.Id, out bool enabled) ? enabled : rule.Level >= _minimumLevel;

    /// <summary>Whether one of the tenant's exceptions naming <paramref name="rule"/> matches <paramref name="evt"/>.</summary>
    public bool Suppresses(SigmaRule rule, ISigmaEvent evt) =>
        _filters is { } f && f.RuleIds.Contains(rule.Id) && f.Suppresses(rule.Id, evt);
}
