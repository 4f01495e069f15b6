using Yamori.Sigma.Correlation;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Filters;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Loading;

/// <summary>Everything a load produced: compiled detection rules, correlations, filters and the report.</summary>
public sealed class RuleSet
{
    internal RuleSet(List<CompiledRule> compiled, List<CorrelationRule> correlations, List<SigmaFilter> filters, FieldTable fields, LoadReport report)
    {
        Compiled = compiled;
        Correlations = correlations;
        Filters = filters;
        Fields = fields;
        Report = report;
        var rules = new List<SigmaRule>(compiled.Count);
        foreach (CompiledRule c in compiled)
        {
            rules.Add(c.Rule);
        }

        Rules = rules;
        var byRef = new Dictionary<string, SigmaRuleBase>(StringComparer.Ordinal);
        foreach (SigmaRule r in rules)
        {
            Index(byRef, r);
        }

        foreach (CorrelationRule c in correlations)
        {
            Index(byRef, c);
        }

        _byRef = byRef;
    }

    private readonly Dictionary<string, SigmaRuleBase> _byRef;

    internal List<CompiledRule> Compiled { get; }

    internal FieldTable Fields { get; }

    /// <summary>Detection rules that loaded and compiled.</summary>
    public IReadOnlyList<SigmaRule> Rules { get; }

    public IReadOnlyList<CorrelationRule> Correlations { get; }

    public IReadOnlyList<SigmaFilter> Filters { get; }

    public LoadReport Report { get; }

    /// <summary>A detection rule or correlation by id or by name.</summary>
    public SigmaRuleBase? Find(string idOrName) => _byRef.TryGetValue(idOrName, out SigmaRuleBase? r) ? r : null;

    private static void Index(Dictionary<string, SigmaRuleBase> map, SigmaRuleBase r)
    {
        map.TryAdd(r.Id, r);
        if (r.Name is { Length: > 0 } name)
        {
            map.TryAdd(name, r);
        }
    }

    /// <summary>
    /// A fresh correlation engine over this set's correlations (their references resolved among its
    /// rules and correlations), or null when the set has none. Engines hold stream state: one per stream.
    /// </summary>
    public CorrelationEngine? CreateCorrelationEngine(CorrelationOptions? options = null) =>
        Correlations.Count == 0 ? null : CreateCorrelationEngine(Rules, Correlations, options);

    internal static CorrelationEngine CreateCorrelationEngine(IReadOnlyList<SigmaRule> rules, IReadOnlyList<CorrelationRule> correlations, CorrelationOptions? options = null)
    {
        var targets = new List<SigmaRuleBase>(rules.Count + correlations.Count);
        targets.AddRange(rules);
        targets.AddRange(correlations);
        return new CorrelationEngine(correlations, CorrelationEngine.CreateResolver(targets), options);
    }

    /// <summary>Errors of the load (parse, compile and reference errors), for convenience.</summary>
    public IReadOnlyList<RuleError> Errors => Report.Errors;
}
