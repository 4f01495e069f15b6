using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Rules;
using Yamori.SocConsole.Session;

namespace Yamori.SocConsole.Views;

/// <summary>A rule pack (a folder given to <c>yamori up --rules</c>) with its counts for the selected town.</summary>
public sealed record RulePack(string Name, int Loaded, int Enabled);

/// <summary>One rule of the list, with the selected town's override and the effective state.</summary>
public sealed record RuleRow(string Id, string Title, SigmaLevel Level, string? Status, IReadOnlyList<string> Techniques, string Pack, RuleState State, bool Enabled);

/// <summary>The rules screen for one town: packs, the matching page of rules, the town's exceptions.</summary>
/// <param name="Towns">The towns the actor may pick from (one for a town user).</param>
/// <param name="Matching">Rules matching the search, before paging.</param>
public sealed record RuleList(
    Tenant? Town,
    IReadOnlyList<Tenant> Towns,
    IReadOnlyList<RulePack> Packs,
    int Loaded,
    int Enabled,
    IReadOnlyList<RuleRow> Rows,
    int Matching,
    IReadOnlyList<SuppressionFilter> Filters);

/// <summary>A recent alert of one rule, with its town's name (SOC roles see several towns).</summary>
public sealed record RuleHit(Alert Alert, string Town);

/// <summary>One rule as loaded, with the town's state and the recent hits in the actor's scope.</summary>
public sealed record RuleDetail(SigmaRuleBase Rule, string Pack, Tenant? Town, RuleState? State, bool? Enabled, IReadOnlyList<RuleHit> Hits);

/// <summary>
/// The global rule packs and each town's enable/disable overrides and exceptions, through
/// <see cref="RuleSettingsService"/> as the rules API does, with the same audit action names.
/// </summary>
public sealed class RulesView(RuleSettingsService settings, ITenancyStore tenancy, IAlertStore alerts, TenantAccess access, ConsoleAudit audit)
{
    public const int HitLimit = 20;

    private readonly Lazy<string> _packRoot = new(() => CommonDirectory(settings.Rules.Rules.Select(r => r.Location.File)));

    private RuleSet Set => settings.Rules;

    /// <summary>
    /// The rules for <paramref name="town"/> (null: the actor's own town, or the first town for SOC
    /// roles). Null when the asked-for town is not visible to the actor.
    /// </summary>
    public async Task<RuleList?> ListAsync(Actor actor, TenantId? town, string? search, int skip, int take, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<Tenant> towns = (await tenancy.ListTenantsAsync(actor.Scope, cancellationToken)).OrderBy(t => t.Code.Value, StringComparer.Ordinal).ToList();
        Tenant? selected = await SelectAsync(actor, town, towns, cancellationToken);
        if (town is not null && selected is null)
        {
            return null;
        }

        TenantProfile? profile = selected is null ? null : await settings.GetProfileAsync(selected.Id, cancellationToken);
        TenantRuleSettings? own = selected is null ? null : await settings.GetSettingsAsync(actor, selected.Id, cancellationToken);
        var all = Set.Rules.Select(r => Row(r, own, profile)).ToList();
        var packs = all.GroupBy(r => r.Pack).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new RulePack(g.Key, g.Count(), g.Count(r => r.Enabled))).ToList();
        List<RuleRow> matching = string.IsNullOrWhiteSpace(search) ? all : all.Where(r => Matches(r, search.Trim())).ToList();
        return new RuleList(
            selected,
            towns,
            packs,
            all.Count,
            all.Count(r => r.Enabled),
            matching.Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500)).ToList(),
            matching.Count,
            own?.Filters ?? []);
    }

    /// <summary>The rule by id or name with its recent hits; null when no loaded rule or correlation has it, or the town is not visible.</summary>
    public async Task<RuleDetail?> GetAsync(Actor actor, string ruleId, TenantId? town, CancellationToken cancellationToken = default)
    {
        if (Set.Find(ruleId) is not { } rule)
        {
            return null;
        }

        IReadOnlyList<Tenant> towns = await tenancy.ListTenantsAsync(actor.Scope, cancellationToken);
        Tenant? selected = await SelectAsync(actor, town, towns, cancellationToken);
        if (town is not null && selected is null)
        {
            return null;
        }

        RuleState? state = null;
        bool? enabled = null;
        if (selected is not null && rule is SigmaRule detection)
        {
            TenantRuleSettings own = await settings.GetSettingsAsync(actor, selected.Id, cancellationToken);
            state = StateOf(own, rule.Id);
            enabled = (await settings.GetProfileAsync(selected.Id, cancellationToken)).IsEnabled(detection);
        }

        var names = towns.ToDictionary(t => t.Id, t => t.Name);
        IReadOnlyList<Alert> recent = await alerts.ListAlertsAsync(actor.Scope, new AlertQuery(RuleId: rule.Id, Limit: HitLimit), cancellationToken);
        return new RuleDetail(rule, PackOf(rule.Location.File), selected, state, enabled,
            recent.Select(a => new RuleHit(a, names.GetValueOrDefault(a.Tenant, "?"))).ToList());
    }

    /// <summary>Enables, disables or resets one rule for one town; audited as <c>rule.state</c>. Null when the town is not visible.</summary>
    /// <exception cref="AccessDeniedException">The role may not change rule settings.</exception>
    public async Task<RuleStateChange?> SetStateAsync(Actor actor, TenantId town, string ruleId, RuleState state, CancellationToken cancellationToken = default)
    {
        if (await access.VisibleTownAsync(actor, town, cancellationToken) is null)
        {
            return null;
        }

        await access.RequireAdminAsync(actor, "change rule settings", cancellationToken);
        RuleStateChange change = await settings.SetRuleStateAsync(actor, town, ruleId, state, cancellationToken);
        await audit.RecordAsync(actor, "rule.state", change.Tenant, "rule", change.RuleId, new { state = change.Before }, new { state = change.After }, cancellationToken);
        return change;
    }

    /// <summary>Validates and stores an exception; audited as <c>rule.filter.add</c>. Null when the town is not visible.</summary>
    /// <exception cref="FilterValidationException">The filter does not validate; the message names line and field, and nothing is saved.</exception>
    /// <exception cref="AccessDeniedException">The role may not change rule settings.</exception>
    public async Task<SuppressionFilter?> AddFilterAsync(Actor actor, TenantId town, string yaml, CancellationToken cancellationToken = default)
    {
        if (await access.VisibleTownAsync(actor, town, cancellationToken) is null)
        {
            return null;
        }

        await access.RequireAdminAsync(actor, "add rule exceptions", cancellationToken);
        SuppressionFilter filter = await settings.AddFilterAsync(actor, town, yaml, cancellationToken);
        await audit.RecordAsync(actor, "rule.filter.add", filter.Tenant, "rule-filter", filter.Id.ToString(), null, filter, cancellationToken);
        return filter;
    }

    /// <summary>Removes an exception; audited as <c>rule.filter.remove</c>. False when the town or the filter is not visible.</summary>
    /// <exception cref="AccessDeniedException">The role may not change rule settings.</exception>
    public async Task<bool> RemoveFilterAsync(Actor actor, TenantId town, Guid filterId, CancellationToken cancellationToken = default)
    {
        if (await access.VisibleTownAsync(actor, town, cancellationToken) is null)
        {
            return false;
        }

        await access.RequireAdminAsync(actor, "remove rule exceptions", cancellationToken);
        if (await settings.RemoveFilterAsync(actor, town, filterId, cancellationToken) is not { } removed)
        {
            return false;
        }

        await audit.RecordAsync(actor, "rule.filter.remove", removed.Tenant, "rule-filter", filterId.ToString(), removed, null, cancellationToken);
        return true;
    }

    /// <summary>The pack a rule file belongs to: its first folder below the folder all loaded rules share.</summary>
    public string PackOf(string file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return "-";
        }

        string root = _packRoot.Value;
        string relative = root.Length > 0 && file.StartsWith(root, StringComparison.Ordinal) ? file[root.Length..].TrimStart('/', '\\') : file;
        int slash = relative.IndexOfAny(['/', '\\']);
        return slash > 0 ? relative[..slash] : Path.GetFileName(root.TrimEnd('/', '\\')) is { Length: > 0 } name ? name : "-";
    }

    private async Task<Tenant?> SelectAsync(Actor actor, TenantId? town, IReadOnlyList<Tenant> towns, CancellationToken cancellationToken)
    {
        if (town is { } asked)
        {
            return await access.VisibleTownAsync(actor, asked, cancellationToken);
        }

        return actor.Tenant is { } own ? towns.FirstOrDefault(t => t.Id == own) : towns.FirstOrDefault();
    }

    private RuleRow Row(SigmaRule rule, TenantRuleSettings? own, TenantProfile? profile) =>
        new(rule.Id, rule.Title, rule.Level, rule.Header.Status, rule.AttackTechniques, PackOf(rule.Location.File),
            own is null ? RuleState.Default : StateOf(own, rule.Id), profile?.IsEnabled(rule) ?? false);

    private static RuleState StateOf(TenantRuleSettings own, string ruleId) =>
        own.Overrides.TryGetValue(ruleId, out bool on) ? (on ? RuleState.Enabled : RuleState.Disabled) : RuleState.Default;

    // As the API's search: title, id and tags; the ATT&CK ids are the upper-case form of the tags.
    private bool Matches(RuleRow row, string search) =>
        row.Title.Contains(search, StringComparison.OrdinalIgnoreCase) || row.Id.Contains(search, StringComparison.OrdinalIgnoreCase)
        || (Set.Find(row.Id)?.Tags.Any(t => t.Contains(search, StringComparison.OrdinalIgnoreCase)) ?? false);

    private static string CommonDirectory(IEnumerable<string> files)
    {
        string? common = null;
        foreach (string file in files.Where(f => !string.IsNullOrEmpty(f)))
        {
            string dir = Path.GetDirectoryName(file) ?? "";
            if (common is null)
            {
                common = dir;
                continue;
            }

            while (common.Length > 0 && !(dir == common || dir.StartsWith(common + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                common = Path.GetDirectoryName(common) ?? "";
            }
        }

        return common ?? "";
    }
}
