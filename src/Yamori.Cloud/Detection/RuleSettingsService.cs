using System.Collections.Concurrent;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Filters;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Detection;

/// <summary>
/// Per-tenant rule settings on top of the global rule set: enable/disable by rule id and
/// exceptions written as Sigma filters. Changes made here take effect for the next events; the
/// global rules are never reloaded for them.
/// </summary>
public sealed class RuleSettingsService
{
    private readonly RuleSet _rules;
    private readonly IRuleSettingsStore _store;
    private readonly DetectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<TenantId, TenantProfile> _profiles = new();

    // Bumped on every change, so a profile loaded before a change is never cached after it.
    private long _generation;

    public RuleSettingsService(RuleSet rules, IRuleSettingsStore store, DetectionOptions? options = null, TimeProvider? time = null)
    {
        _rules = rules;
        _store = store;
        _options = options ?? new DetectionOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The global rule set every tenant starts from.</summary>
    public RuleSet Rules => _rules;

    /// <summary>The tenant's settings; empty when the tenant is outside the actor's scope.</summary>
    public ValueTask<TenantRuleSettings> GetSettingsAsync(Actor actor, TenantId tenant, CancellationToken cancellationToken = default) =>
        _store.GetAsync(actor.Scope, tenant, cancellationToken);

    /// <summary>Whether the rule is on for the tenant, as detection decides it.</summary>
    public async ValueTask<bool> IsEnabledAsync(TenantId tenant, string ruleId, CancellationToken cancellationToken = default) =>
        _rules.Find(ruleId) is SigmaRule rule && (await GetProfileAsync(tenant, cancellationToken)).IsEnabled(rule);

    /// <summary>Turns a rule on or off for one tenant (<see cref="RuleState.Default"/> removes the override).</summary>
    /// <exception cref="ArgumentException">No loaded rule has this id or name (names the parameter <c>ruleId</c>).</exception>
    /// <exception cref="DetectionAccessException">The actor is read-only.</exception>
    /// <exception cref="TenantScopeException">The tenant is outside the actor's scope.</exception>
    public async ValueTask<RuleStateChange> SetRuleStateAsync(Actor actor, TenantId tenant, string ruleId, RuleState state, CancellationToken cancellationToken = default)
    {
        Access.RequireWriter(actor, "change rule settings");
        actor.Scope.ForWrite(tenant);
        if (_rules.Find(ruleId) is not SigmaRule rule)
        {
            throw new ArgumentException($"unknown rule '{ruleId}': no loaded detection rule has this id or name", nameof(ruleId));
        }

        RuleState before = await _store.SetRuleStateAsync(actor.Scope, tenant, rule.Id, state, actor.Id, _time.GetUtcNow(), cancellationToken);
        Forget(tenant);
        return new RuleStateChange(tenant, rule.Id, before, state);
    }

    /// <summary>Validates and stores an exception (a Sigma filter document) for one tenant.</summary>
    /// <exception cref="FilterValidationException">Invalid YAML, not a filter, or a rule that is not loaded; names line and field.</exception>
    public async ValueTask<SuppressionFilter> AddFilterAsync(Actor actor, TenantId tenant, string yaml, CancellationToken cancellationToken = default)
    {
        Access.RequireWriter(actor, "add rule exceptions");
        actor.Scope.ForWrite(tenant);
        (SigmaFilter parsed, IReadOnlyList<string> ruleIds) = TenantFilterCompiler.Validate(yaml, _rules);
        var filter = new SuppressionFilter(Guid.CreateVersion7(), tenant, parsed.Title, ruleIds, yaml, actor.Id, _time.GetUtcNow());
        await _store.SaveFilterAsync(actor.Scope, filter, cancellationToken);
        Forget(tenant);
        return filter;
    }

    /// <summary>Removes an exception; returns it, or null when the tenant has no such filter (or it is outside the scope).</summary>
    public async ValueTask<SuppressionFilter?> RemoveFilterAsync(Actor actor, TenantId tenant, Guid filterId, CancellationToken cancellationToken = default)
    {
        Access.RequireWriter(actor, "remove rule exceptions");
        if (!actor.Scope.Allows(tenant))
        {
            return null;
        }

        SuppressionFilter? removed = await _store.DeleteFilterAsync(actor.Scope, tenant, filterId, cancellationToken);
        Forget(tenant);
        return removed;
    }

    /// <summary>The compiled settings detection uses for the tenant (cached until a change through this service).</summary>
    public async ValueTask<TenantProfile> GetProfileAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        if (_profiles.TryGetValue(tenant, out TenantProfile? cached))
        {
            return cached;
        }

        long generation = Interlocked.Read(ref _generation);
        TenantRuleSettings settings = await _store.GetAsync(TenantScope.For(tenant), tenant, cancellationToken);
        var profile = new TenantProfile(settings.Overrides, _options.MinimumLevel, TenantFilterCompiler.Compile(settings.Filters, _rules));
        if (Interlocked.Read(ref _generation) == generation)
        {
            _profiles[tenant] = profile;
        }

        return profile;
    }

    /// <summary>Drops cached profiles (after settings changed behind this service's back, e.g. on another node).</summary>
    public void Invalidate(TenantId? tenant = null)
    {
        if (tenant is { } t)
        {
            Forget(t);
        }
        else
        {
            Interlocked.Increment(ref _generation);
            _profiles.Clear();
        }
    }

    private void Forget(TenantId tenant)
    {
        Interlocked.Increment(ref _generation);
        _profiles.TryRemove(tenant, out _);
    }
}
