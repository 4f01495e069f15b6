using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Correlation;

// Placeholder: replaced by the correlation implementation.
internal static class CorrelationParser
{
    public static CorrelationRule Parse(RuleHeader header, YamlNode correlation) =>
        throw new RuleLoadException("correlation", "correlations are not implemented yet", (int)correlation.Start.Line);
}
