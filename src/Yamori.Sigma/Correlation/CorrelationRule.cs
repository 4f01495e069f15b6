using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Correlation;

// Placeholder: replaced by the correlation implementation.
public sealed class CorrelationRule(RuleHeader header) : SigmaRuleBase(header)
{
}
