using Yamori.Sigma.Filters;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Engine;

/// <summary>A detection rule compiled to a matcher tree, with the literals the pre-filter indexes.</summary>
internal sealed class CompiledRule(SigmaRule rule, Matcher root)
{
    public SigmaRule Rule { get; } = rule;

    public Matcher Root { get; } = root;

    /// <summary>At least one of these literals occurs in any event the rule matches; null when unknown.</summary>
    public Necessity? Literals { get; } = root.Necessity;

    /// <summary>Filters attached to this rule: a match is dropped when any of them matches the event.</summary>
    public List<CompiledFilter> Filters { get; } = [];
}

/// <summary>A compiled Sigma filter document.</summary>
internal sealed class CompiledFilter(SigmaFilter filter, Matcher root)
{
    public SigmaFilter Filter { get; } = filter;

    public Matcher Root { get; } = root;
}
