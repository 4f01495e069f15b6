using Yamori.Sigma.Conditions;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Filters;

/// <summary>
/// A Sigma filter document (<c>filter:</c>): a selection and condition that, when they match an
/// event, suppress the matches of the rules it names (by id or name) on that event.
/// </summary>
public sealed class SigmaFilter(RuleHeader header, IReadOnlyList<string> rules, IReadOnlyList<SearchIdentifier> searches, ConditionNode condition)
    : SigmaRuleBase(header)
{
    /// <summary>Ids or names of the rules this filter applies to.</summary>
    public IReadOnlyList<string> Rules { get; } = rules;

    public IReadOnlyList<SearchIdentifier> Searches { get; } = searches;

    public ConditionNode Condition { get; } = condition;
}
