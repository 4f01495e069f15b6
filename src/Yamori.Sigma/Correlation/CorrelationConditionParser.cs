using System.Globalization;
using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Parsing;

namespace Yamori.Sigma.Correlation;

/// <summary>
/// Reads <c>correlation.condition</c>, and rejects conditions that can never hold for the correlation's
/// aggregate, such as <c>gte: 4</c> on a temporal correlation over three rules or <c>gt: 10</c> with
/// <c>lt: 5</c>: such a rule would load and silently never fire.
/// </summary>
internal static class CorrelationConditionParser
{
    public static CorrelationCondition Read(YamlMappingNode map, CorrelationType type, int ruleCount)
    {
        YamlNode? node = YamlNodes.Get(map, "condition");
        bool temporal = type is CorrelationType.Temporal or CorrelationType.TemporalOrdered;
        if (node is null || node is YamlScalarNode n0 && YamlNodes.IsNull(n0))
        {
            if (!temporal)
            {
                throw CorrelationParser.Error($"'correlation.condition' is missing: {CorrelationParser.TypeName(type)} needs a threshold such as 'gte: 10'", map);
            }

            // Without a condition, temporal correlations require every referenced rule (pySigma does the same).
            return new CorrelationCondition([new CorrelationBound(CorrelationOperator.Gte, ruleCount)], [], null);
        }

        if (node is YamlScalarNode)
        {
            throw CorrelationParser.Error("'correlation.condition' must be a map such as 'gte: 10' (boolean expressions are a pySigma extension, not Sigma v2.1)", node);
        }

        if (node is not YamlMappingNode cond)
        {
            throw CorrelationParser.Error("'correlation.condition' must be a map such as 'gte: 10'", node);
        }

        var bounds = new List<CorrelationBound>();
        var fields = new List<string>();
        YamlNode? fieldNode = null;
        double? percentile = null;
        foreach (KeyValuePair<YamlNode, YamlNode> kv in cond.Children)
        {
            string key = (kv.Key as YamlScalarNode)?.Value ?? string.Empty;
            switch (key)
            {
                case "field":
                    fieldNode = kv.Value;
                    ReadFields(kv.Value, fields);
                    break;
                case "percentile":
                    percentile = Number(kv.Value, "correlation.condition.percentile");
                    if (percentile is < 0 or > 100)
                    {
                        throw CorrelationParser.Error($"'correlation.condition.percentile' must be between 0 and 100, not {percentile}", kv.Value);
                    }

                    if (type != CorrelationType.ValuePercentile)
                    {
                        throw CorrelationParser.Error($"'correlation.condition.percentile' only applies to value_percentile, not {CorrelationParser.TypeName(type)}", kv.Key);
                    }

                    break;
                default:
                    CorrelationOperator op = key switch
                    {
                        "gt" => CorrelationOperator.Gt,
                        "gte" => CorrelationOperator.Gte,
                        "lt" => CorrelationOperator.Lt,
                        "lte" => CorrelationOperator.Lte,
                        "eq" => CorrelationOperator.Eq,
                        "neq" => CorrelationOperator.Neq,
                        _ => throw CorrelationParser.Error($"'correlation.condition' has unknown operator '{key}' (expected gt, gte, lt, lte, eq, neq, or field)", kv.Key),
                    };
                    bounds.Add(new CorrelationBound(op, Number(kv.Value, "correlation.condition." + key)));
                    break;
            }
        }

        if (bounds.Count == 0)
        {
            throw CorrelationParser.Error("'correlation.condition' has no criterion: add gt, gte, lt, lte, eq or neq", cond);
        }

        CheckFields(type, fields, fieldNode, cond);
        if (type == CorrelationType.ValuePercentile)
        {
            // The spec's hint: "median is a percentile 50"; pySigma carries an explicit rank in 'percentile'.
            percentile ??= 50;
        }

        var condition = new CorrelationCondition(bounds, fields, percentile);
        EnsureSatisfiable(condition, type, ruleCount, cond);
        return condition;
    }

    private static void ReadFields(YamlNode node, List<string> fields)
    {
        switch (node)
        {
            case YamlScalarNode s when !YamlNodes.IsNull(s) && !string.IsNullOrEmpty(s.Value):
                fields.Add(s.Value);
                break;
            case YamlSequenceNode seq when seq.Children.Count > 0:
                foreach (YamlNode item in seq.Children)
                {
                    if (item is not YamlScalarNode si || YamlNodes.IsNull(si) || string.IsNullOrEmpty(si.Value))
                    {
                        throw CorrelationParser.Error("every entry of 'correlation.condition.field' must be a field name", item);
                    }

                    fields.Add(si.Value);
                }

                break;
            default:
                throw CorrelationParser.Error("'correlation.condition.field' must be a field name or a list of field names", node);
        }
    }

    private static void CheckFields(CorrelationType type, List<string> fields, YamlNode? fieldNode, YamlMappingNode cond)
    {
        switch (type)
        {
            case CorrelationType.EventCount or CorrelationType.Temporal or CorrelationType.TemporalOrdered when fieldNode is not null:
                throw CorrelationParser.Error($"'correlation.condition.field' is not allowed for {CorrelationParser.TypeName(type)}: it counts {(type == CorrelationType.EventCount ? "events" : "distinct matching rules")}, not field values", fieldNode);
            case CorrelationType.ValueCount or CorrelationType.ValueSum or CorrelationType.ValueAvg or CorrelationType.ValuePercentile when fields.Count == 0:
                throw CorrelationParser.Error($"'correlation.condition.field' is missing: {CorrelationParser.TypeName(type)} needs the field whose values it aggregates", cond);
            case CorrelationType.ValueSum or CorrelationType.ValueAvg or CorrelationType.ValuePercentile when fields.Count > 1:
                throw CorrelationParser.Error($"'correlation.condition.field' must name exactly one numeric field for {CorrelationParser.TypeName(type)}", fieldNode ?? cond);
        }
    }

    private static double Number(YamlNode node, string attribute)
    {
        if (node is YamlScalarNode s && !YamlNodes.IsNull(s) &&
            double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
        {
            return v;
        }

        throw CorrelationParser.Error($"'{attribute}' must be a number, not '{(node as YamlScalarNode)?.Value ?? YamlNodes.Kind(node)}'", node);
    }

    private static void EnsureSatisfiable(CorrelationCondition condition, CorrelationType type, int ruleCount, YamlNode node)
    {
        (double lo, bool loStrict, double hi, bool hiStrict) = Interval(condition);
        string domain;
        bool possible;
        switch (type)
        {
            case CorrelationType.Temporal or CorrelationType.TemporalOrdered:
                // A window holds at least one matching rule and at most all of them.
                domain = $"over {ruleCount} rule(s) counts between 1 and {ruleCount} distinct matching rules";
                possible = AnyInteger(condition, lo, loStrict, hi, hiStrict, 1, ruleCount);
                break;
            case CorrelationType.EventCount or CorrelationType.ValueCount:
                domain = type == CorrelationType.EventCount ? "counts at least one event" : "counts at least one distinct value";
                possible = AnyInteger(condition, lo, loStrict, hi, hiStrict, 1, double.PositiveInfinity);
                break;
            default:
                domain = "yields a number";
                possible = lo < hi || (lo == hi && !loStrict && !hiStrict && !Excluded(condition, lo));
                break;
        }

        if (!possible)
        {
            throw CorrelationParser.Error($"'correlation.condition' ({condition}) can never hold: {CorrelationParser.TypeName(type)} {domain}", node);
        }
    }

    private static (double Lo, bool LoStrict, double Hi, bool HiStrict) Interval(CorrelationCondition condition)
    {
        double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        bool loStrict = false, hiStrict = false;
        foreach (CorrelationBound b in condition.Bounds)
        {
            switch (b.Operator)
            {
                case CorrelationOperator.Gt:
                    Raise(ref lo, ref loStrict, b.Value, true);
                    break;
                case CorrelationOperator.Gte:
                    Raise(ref lo, ref loStrict, b.Value, false);
                    break;
                case CorrelationOperator.Lt:
                    Lower(ref hi, ref hiStrict, b.Value, true);
                    break;
                case CorrelationOperator.Lte:
                    Lower(ref hi, ref hiStrict, b.Value, false);
                    break;
                case CorrelationOperator.Eq:
                    Raise(ref lo, ref loStrict, b.Value, false);
                    Lower(ref hi, ref hiStrict, b.Value, false);
                    break;
            }
        }

        return (lo, loStrict, hi, hiStrict);
    }

    private static void Raise(ref double lo, ref bool strict, double v, bool isStrict)
    {
        if (v > lo || (v == lo && isStrict))
        {
            lo = v;
            strict = isStrict;
        }
    }

    private static void Lower(ref double hi, ref bool strict, double v, bool isStrict)
    {
        if (v < hi || (v == hi && isStrict))
        {
            hi = v;
            strict = isStrict;
        }
    }

    private static bool AnyInteger(CorrelationCondition condition, double lo, bool loStrict, double hi, bool hiStrict, double min, double max)
    {
        double first = Math.Max(min, loStrict ? Math.Floor(lo) + 1 : Math.Ceiling(lo));
        double last = Math.Min(max, hiStrict ? Math.Ceiling(hi) - 1 : Math.Floor(hi));
        if (first > last)
        {
            return false;
        }

        // neq can only empty the range when it is down to a handful of candidates.
        for (double k = first; k <= last && k < first + 64; k++)
        {
            if (!Excluded(condition, k))
            {
                return true;
            }
        }

        return last - first >= 64;
    }

    private static bool Excluded(CorrelationCondition condition, double value)
    {
        foreach (CorrelationBound b in condition.Bounds)
        {
            if (b.Operator == CorrelationOperator.Neq && b.Value == value)
            {
                return true;
            }
        }

        return false;
    }
}
