using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Correlation;

/// <summary>
/// Reads the <c>correlation</c> section of a Sigma v2.1 correlation rule. Every error is a
/// <see cref="RuleLoadException"/> with reason <c>correlation</c>, naming the attribute and its YAML line.
/// </summary>
internal static partial class CorrelationParser
{
    private const string Reason = "correlation";

    private const string TypeList = "event_count, value_count, temporal, temporal_ordered, value_sum, value_avg or value_percentile";

    public static CorrelationRule Parse(RuleHeader header, YamlNode correlation, YamlMappingNode? document = null)
    {
        if (correlation is not YamlMappingNode map)
        {
            throw Error("'correlation' must be a map with type, rules, group-by, timespan and condition", correlation);
        }

        CorrelationType type = ReadType(map);
        (List<string> rules, List<int> ruleLines) = ReadRules(map);
        List<string> groupBy = ReadGroupBy(map);
        (TimeSpan timespan, string timespanText) = ReadTimespan(map);
        CorrelationCondition condition = CorrelationConditionParser.Read(map, type, rules.Count);
        (Dictionary<string, IReadOnlyDictionary<string, string>> aliases, Dictionary<(string, string), int> aliasLines) = ReadAliases(map);
        bool generate = ReadGenerate(map) ?? ReadTopLevelGenerate(document) ?? false;

        return new CorrelationRule(header)
        {
            Type = type,
            Rules = rules,
            RuleLines = ruleLines,
            GroupBy = groupBy,
            Timespan = timespan,
            TimespanText = timespanText,
            Condition = condition,
            Aliases = aliases,
            AliasLines = aliasLines,
            Generate = generate,
        };
    }

    private static CorrelationType ReadType(YamlMappingNode map)
    {
        YamlNode? node = YamlNodes.Get(map, "type");
        if (node is null || node is YamlScalarNode s0 && YamlNodes.IsNull(s0))
        {
            throw Error($"'correlation.type' is missing (expected {TypeList})", map);
        }

        if (node is not YamlScalarNode s)
        {
            throw Error($"'correlation.type' must be a single value ({TypeList})", node);
        }

        return s.Value switch
        {
            "event_count" => CorrelationType.EventCount,
            "value_count" => CorrelationType.ValueCount,
            "temporal" => CorrelationType.Temporal,
            "temporal_ordered" => CorrelationType.TemporalOrdered,
            "value_sum" => CorrelationType.ValueSum,
            "value_avg" => CorrelationType.ValueAvg,
            "value_percentile" => CorrelationType.ValuePercentile,
            _ => throw Error($"'correlation.type' value '{s.Value}' is unknown (expected {TypeList})", s),
        };
    }

    private static (List<string> Rules, List<int> Lines) ReadRules(YamlMappingNode map)
    {
        YamlNode? node = YamlNodes.Get(map, "rules");
        var rules = new List<string>();
        var lines = new List<int>();
        switch (node)
        {
            case null:
                break;
            case YamlScalarNode s when !YamlNodes.IsNull(s):
                // pySigma accepts a single reference written as a plain string.
                rules.Add(s.Value!);
                lines.Add(YamlNodes.Line(s));
                break;
            case YamlScalarNode:
                break;
            case YamlSequenceNode seq:
                foreach (YamlNode item in seq.Children)
                {
                    if (item is not YamlScalarNode si || YamlNodes.IsNull(si) || string.IsNullOrWhiteSpace(si.Value))
                    {
                        throw Error("every entry of 'correlation.rules' must be the id or name of a rule", item);
                    }

                    if (rules.Contains(si.Value))
                    {
                        throw Error($"'correlation.rules' lists '{si.Value}' twice", si);
                    }

                    rules.Add(si.Value);
                    lines.Add(YamlNodes.Line(si));
                }

                break;
            default:
                throw Error("'correlation.rules' must be a list of rule ids or names", node);
        }

        if (rules.Count == 0)
        {
            throw Error("'correlation.rules' is missing: a correlation needs the ids or names of the rules it correlates", node ?? map);
        }

        return (rules, lines);
    }

    private static List<string> ReadGroupBy(YamlMappingNode map)
    {
        foreach (string typo in (ReadOnlySpan<string>)["group_by", "groupby", "groupBy"])
        {
            foreach (YamlNode key in map.Children.Keys)
            {
                if (key is YamlScalarNode { Value: { } k } && k == typo)
                {
                    throw Error($"'correlation.{typo}' is not a Sigma attribute; did you mean 'group-by'?", key);
                }
            }
        }

        YamlNode? node = YamlNodes.Get(map, "group-by");
        var fields = new List<string>();
        switch (node)
        {
            case null:
                // The spec calls group-by mandatory yet "optional"; pySigma accepts its absence as one global group.
                break;
            case YamlScalarNode s:
                if (!YamlNodes.IsNull(s))
                {
                    fields.Add(s.Value!);
                }

                break;
            case YamlSequenceNode seq:
                foreach (YamlNode item in seq.Children)
                {
                    if (item is not YamlScalarNode si || YamlNodes.IsNull(si) || string.IsNullOrEmpty(si.Value))
                    {
                        throw Error("every entry of 'correlation.group-by' must be a field name", item);
                    }

                    if (fields.Contains(si.Value))
                    {
                        throw Error($"'correlation.group-by' lists '{si.Value}' twice", si);
                    }

                    fields.Add(si.Value);
                }

                break;
            default:
                throw Error("'correlation.group-by' must be a list of field names", node);
        }

        return fields;
    }

    [GeneratedRegex("^([0-9]+)([smhdwMy])$")]
    private static partial Regex TimespanRegex();

    private static (TimeSpan Span, string Text) ReadTimespan(YamlMappingNode map)
    {
        YamlNode? node = YamlNodes.Get(map, "timespan");
        if (node is null || node is YamlScalarNode n0 && YamlNodes.IsNull(n0))
        {
            throw Error("'correlation.timespan' is missing (e.g. 30s, 5m, 1h, 1d)", map);
        }

        if (node is not YamlScalarNode s)
        {
            throw Error("'correlation.timespan' must be a single value such as 5m", node);
        }

        string text = s.Value ?? string.Empty;
        Match m = TimespanRegex().Match(text);
        if (!m.Success)
        {
            throw Error($"'correlation.timespan' value '{text}' is invalid: expected a number followed by s, m, h, d or w (e.g. 90m)", s);
        }

        // s/m/h/d are the spec's units; w, M (month) and y are accepted with pySigma's lengths.
        long seconds = m.Groups[2].Value[0] switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            'M' => 2_629_746,
            _ => 31_556_952,
        };
        if (!long.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count <= 0)
        {
            throw Error($"'correlation.timespan' value '{text}' must be greater than zero", s);
        }

        if (count > TimeSpan.MaxValue.TotalSeconds / seconds / 2)
        {
            throw Error($"'correlation.timespan' value '{text}' is too large", s);
        }

        return (TimeSpan.FromSeconds(count * seconds), text);
    }

    private static (Dictionary<string, IReadOnlyDictionary<string, string>> Aliases, Dictionary<(string, string), int> Lines) ReadAliases(YamlMappingNode map)
    {
        var aliases = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var lines = new Dictionary<(string, string), int>();
        YamlNode? node = YamlNodes.Get(map, "aliases");
        if (node is null || node is YamlScalarNode s0 && YamlNodes.IsNull(s0))
        {
            return (aliases, lines);
        }

        if (node is not YamlMappingNode am)
        {
            throw Error("'correlation.aliases' must be a map: alias name → (rule name → field name)", node);
        }

        foreach (KeyValuePair<YamlNode, YamlNode> kv in am.Children)
        {
            string alias = (kv.Key as YamlScalarNode)?.Value ?? string.Empty;
            if (kv.Value is not YamlMappingNode mapping || mapping.Children.Count == 0)
            {
                throw Error($"'correlation.aliases.{alias}' must map rule names to field names", kv.Value);
            }

            var perRule = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (KeyValuePair<YamlNode, YamlNode> entry in mapping.Children)
            {
                string rule = (entry.Key as YamlScalarNode)?.Value ?? string.Empty;
                if (entry.Value is not YamlScalarNode f || YamlNodes.IsNull(f) || string.IsNullOrEmpty(f.Value))
                {
                    throw Error($"'correlation.aliases.{alias}.{rule}' must be a field name", entry.Value);
                }

                perRule[rule] = f.Value;
                lines[(alias, rule)] = YamlNodes.Line(entry.Key);
            }

            aliases[alias] = perRule;
        }

        return (aliases, lines);
    }

    private static bool? ReadGenerate(YamlMappingNode map)
    {
        YamlNode? node = YamlNodes.Get(map, "generate");
        if (node is null || node is YamlScalarNode s0 && YamlNodes.IsNull(s0))
        {
            return null;
        }

        return node is YamlScalarNode s && s.Value is { } v && bool.TryParse(v, out bool b)
            ? b
            : throw Error("'correlation.generate' must be true or false", node);
    }

    /// <summary>
    /// The spec and its JSON schema place <c>generate</c> at the top level of the document, while pySigma
    /// reads it inside <c>correlation</c>; both are honoured.
    /// </summary>
    private static bool? ReadTopLevelGenerate(YamlMappingNode? document)
    {
        YamlNode? node = document is null ? null : YamlNodes.Get(document, "generate");
        if (node is null || node is YamlScalarNode s0 && YamlNodes.IsNull(s0))
        {
            return null;
        }

        return node is YamlScalarNode s && s.Value is { } v && bool.TryParse(v, out bool b)
            ? b
            : throw Error("'generate' must be true or false", node);
    }

    internal static string TypeName(CorrelationType type) => type switch
    {
        CorrelationType.EventCount => "event_count",
        CorrelationType.ValueCount => "value_count",
        CorrelationType.Temporal => "temporal",
        CorrelationType.TemporalOrdered => "temporal_ordered",
        CorrelationType.ValueSum => "value_sum",
        CorrelationType.ValueAvg => "value_avg",
        _ => "value_percentile",
    };

    internal static RuleLoadException Error(string message, YamlNode node) => new(Reason, message, YamlNodes.Line(node));
}
