using Yamori.Sigma.Conditions;
using Yamori.Sigma.Parsing;

namespace Yamori.Sigma.Rules;

/// <summary>A detection rule: metadata plus its parsed detection (search identifiers and condition).</summary>
public sealed class SigmaRule(RuleHeader header, IReadOnlyList<SearchIdentifier> searches, ConditionNode condition, string conditionText)
    : SigmaRuleBase(header)
{
    /// <summary>The named search identifiers (selections, keywords) of <c>detection</c>, in document order.</summary>
    public IReadOnlyList<SearchIdentifier> Searches { get; } = searches;

    /// <summary>The parsed condition; several conditions in a list are joined with OR.</summary>
    public ConditionNode Condition { get; } = condition;

    /// <summary>The condition as written, for display.</summary>
    public string ConditionText { get; } = conditionText;
}
