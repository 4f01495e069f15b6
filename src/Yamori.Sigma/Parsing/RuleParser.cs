using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Conditions;
using Yamori.Sigma.Correlation;
using Yamori.Sigma.Filters;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Parsing;

/// <summary>The outcome of one YAML document: a loaded rule, or an error that names what is wrong.</summary>
public sealed record ParsedDocument(SigmaRuleBase? Rule, RuleError? Error);

/// <summary>A rule that could not be loaded: file, YAML line, rule id (when known) and reason.</summary>
public sealed record RuleError(string File, int Line, string? RuleId, string ReasonCode, string Message)
{
    public override string ToString() =>
        $"{File}{(Line > 0 ? ":" + Line : string.Empty)}{(RuleId is null ? string.Empty : " [" + RuleId + "]")}: {ReasonCode}: {Message}";
}

/// <summary>
/// Reads Sigma YAML (single documents and <c>action: global/reset/repeat</c> collections) into
/// detection rules, correlation rules and filters. Parsing is separate from compilation: a parsed
/// rule has its selections and condition as written, and the compiler turns them into matchers.
/// </summary>
public static partial class RuleParser
{
    public static IReadOnlyList<ParsedDocument> ParseFile(string path) => Parse(File.ReadAllText(path), path);

    public static IReadOnlyList<ParsedDocument> Parse(string yaml, string file = "<inline>")
    {
        var results = new List<ParsedDocument>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            results.Add(new ParsedDocument(null, new RuleError(file, (int)ex.Start.Line, null, "yaml", ex.Message)));
            return results;
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet reports some malformed flow collections this way rather than as YamlException.
            results.Add(new ParsedDocument(null, new RuleError(file, 0, null, "yaml", ex.Message)));
            return results;
        }

        YamlMappingNode? global = null;
        YamlMappingNode? previous = null;
        bool multi = stream.Documents.Count > 1;
        for (int i = 0; i < stream.Documents.Count; i++)
        {
            YamlNode root = stream.Documents[i].RootNode;
            if (root is YamlScalarNode empty && YamlNodes.IsNull(empty))
            {
                continue;
            }

            if (root is not YamlMappingNode map)
            {
                results.Add(new ParsedDocument(null, new RuleError(file, YamlNodes.Line(root), null, "schema", "a Sigma document must be a map")));
                continue;
            }

            string? action = YamlNodes.GetString(map, "action");
            switch (action)
            {
                case "global":
                    global = global is null ? Without(map, "action") : YamlNodes.Merge(global, Without(map, "action"));
                    continue;
                case "reset":
                    global = null;
                    continue;
                case "repeat":
                    if (previous is null)
                    {
                        results.Add(new ParsedDocument(null, new RuleError(file, YamlNodes.Line(map), null, "schema", "'action: repeat' without a previous document")));
                        continue;
                    }

                    map = YamlNodes.Merge(previous, Without(map, "action"));
                    break;
                case null:
                    if (global is not null)
                    {
                        map = YamlNodes.Merge(global, map);
                    }

                    break;
                default:
                    results.Add(new ParsedDocument(null, new RuleError(file, YamlNodes.Line(map), null, "schema", $"unknown action '{action}' (expected global, reset or repeat)")));
                    continue;
            }

            previous = map;
            string text = multi ? Serialize(map) : yaml;
            results.Add(ParseDocument(map, file, i, text));
        }

        return results;
    }

    private static ParsedDocument ParseDocument(YamlMappingNode map, string file, int index, string text)
    {
        string? id = null;
        try
        {
            id = YamlNodes.GetString(map, "id");
            RuleHeader header = ReadHeader(map, file, index, text);
            if (YamlNodes.Get(map, "correlation") is YamlNode corr)
            {
                return new ParsedDocument(CorrelationParser.Parse(header, corr, map), null);
            }

            if (YamlNodes.Get(map, "filter") is YamlNode filter)
            {
                return new ParsedDocument(ParseFilter(header, filter), null);
            }

            if (YamlNodes.Get(map, "detection") is not YamlNode detection)
            {
                throw new RuleLoadException("schema", "the document has no 'detection', 'correlation' or 'filter' section", YamlNodes.Line(map));
            }

            if (YamlNodes.Get(map, "logsource") is null)
            {
                throw new RuleLoadException("schema", "a detection rule needs a 'logsource'", YamlNodes.Line(map));
            }

            return new ParsedDocument(ParseDetectionRule(header, detection), null);
        }
        catch (RuleLoadException ex)
        {
            return new ParsedDocument(null, new RuleError(file, ex.Line, id, ex.ReasonCode, ex.Message));
        }
    }

    private static RuleHeader ReadHeader(YamlMappingNode map, string file, int index, string text)
    {
        string title = YamlNodes.GetString(map, "title") ?? throw new RuleLoadException("schema", "'title' is missing", YamlNodes.Line(map));
        string id = YamlNodes.GetString(map, "id") ?? $"{Path.GetFileNameWithoutExtension(file)}#{index}";
        string? levelText = YamlNodes.GetString(map, "level");
        SigmaLevel level = SigmaLevel.Medium;
        if (levelText is not null && !SigmaLevels.TryParse(levelText, out level))
        {
            throw new RuleLoadException("schema", $"unknown level '{levelText}' (expected informational, low, medium, high or critical)", YamlNodes.Line(YamlNodes.Get(map, "level")!));
        }

        IReadOnlyList<string> tags = YamlNodes.GetStringList(map, "tags");
        return new RuleHeader
        {
            Title = title,
            Id = id,
            Name = YamlNodes.GetString(map, "name"),
            Status = YamlNodes.GetString(map, "status"),
            Description = YamlNodes.GetString(map, "description"),
            Author = YamlNodes.GetString(map, "author"),
            Level = level,
            Tags = tags,
            AttackTechniques = Techniques(tags),
            References = YamlNodes.GetStringList(map, "references"),
            FalsePositives = YamlNodes.GetStringList(map, "falsepositives"),
            Fields = YamlNodes.GetStringList(map, "fields"),
            Related = ReadRelated(map),
            LogSource = ReadLogSource(map),
            Location = new SourceLocation(file, YamlNodes.Line(map)),
            Yaml = text,
        };
    }

    private static List<string> Techniques(IReadOnlyList<string> tags)
    {
        var list = new List<string>();
        foreach (string tag in tags)
        {
            Match m = TechniqueRegex().Match(tag);
            if (m.Success)
            {
                string t = "T" + m.Groups[1].Value + (m.Groups[2].Success ? m.Groups[2].Value : string.Empty);
                if (!list.Contains(t))
                {
                    list.Add(t);
                }
            }
        }

        return list;
    }

    [GeneratedRegex(@"^attack\.t(\d{4})(\.\d{3})?$", RegexOptions.IgnoreCase)]
    private static partial Regex TechniqueRegex();

    private static List<RelatedRule> ReadRelated(YamlMappingNode map)
    {
        var list = new List<RelatedRule>();
        if (YamlNodes.Get(map, "related") is YamlSequenceNode seq)
        {
            foreach (YamlNode item in seq.Children)
            {
                if (item is YamlMappingNode m && YamlNodes.GetString(m, "id") is { } rid)
                {
                    list.Add(new RelatedRule(rid, YamlNodes.GetString(m, "type") ?? string.Empty));
                }
            }
        }

        return list;
    }

    private static SigmaLogSource ReadLogSource(YamlMappingNode map)
    {
        YamlNode? n = YamlNodes.Get(map, "logsource");
        if (n is null)
        {
            return SigmaLogSource.Any;
        }

        if (n is not YamlMappingNode ls)
        {
            throw new RuleLoadException("schema", "'logsource' must be a map", YamlNodes.Line(n));
        }

        return new SigmaLogSource(
            YamlNodes.GetString(ls, "product")?.ToLowerInvariant(),
            YamlNodes.GetString(ls, "category")?.ToLowerInvariant(),
            YamlNodes.GetString(ls, "service")?.ToLowerInvariant());
    }

    private static SigmaRule ParseDetectionRule(RuleHeader header, YamlNode detectionNode)
    {
        if (detectionNode is not YamlMappingNode detection)
        {
            throw new RuleLoadException("schema", "'detection' must be a map", YamlNodes.Line(detectionNode));
        }

        (List<SearchIdentifier> searches, ConditionNode condition, string conditionText) = ParseDetection(detection, "detection");
        return new SigmaRule(header, searches, condition, conditionText);
    }

    private static SigmaFilter ParseFilter(RuleHeader header, YamlNode filterNode)
    {
        if (filterNode is not YamlMappingNode filter)
        {
            throw new RuleLoadException("schema", "'filter' must be a map", YamlNodes.Line(filterNode));
        }

        IReadOnlyList<string> rules = YamlNodes.GetStringList(filter, "rules");
        if (rules.Count == 0)
        {
            throw new RuleLoadException("schema", "a filter needs 'rules': the ids or names of the rules it applies to", YamlNodes.Line(filter));
        }

        var detection = new YamlMappingNode();
        foreach (KeyValuePair<YamlNode, YamlNode> kv in filter.Children)
        {
            if (kv.Key is YamlScalarNode { Value: "rules" })
            {
                continue;
            }

            detection.Children[kv.Key] = kv.Value;
        }

        (List<SearchIdentifier> searches, ConditionNode condition, _) = ParseDetection(detection, "filter");
        return new SigmaFilter(header, rules, searches, condition);
    }

    /// <summary>Parses the search identifiers and condition of a detection (or filter) section.</summary>
    internal static (List<SearchIdentifier> Searches, ConditionNode Condition, string ConditionText) ParseDetection(YamlMappingNode detection, string section)
    {
        var searches = new List<SearchIdentifier>();
        YamlNode? conditionNode = null;
        foreach (KeyValuePair<YamlNode, YamlNode> kv in detection.Children)
        {
            string key = YamlNodes.KeyText(kv.Key);
            if (key == "condition")
            {
                conditionNode = kv.Value;
                continue;
            }

            if (key == "timeframe")
            {
                // Sigma 1.x kept timeframe here for aggregations; v2 moved it to correlations.
                continue;
            }

            searches.Add(SearchParser.Parse(key, kv.Value));
        }

        if (conditionNode is null)
        {
            throw new RuleLoadException("schema", $"'{section}' has no 'condition'", YamlNodes.Line(detection));
        }

        var names = new List<string>(searches.Count);
        foreach (SearchIdentifier s in searches)
        {
            names.Add(s.Name);
        }

        switch (conditionNode)
        {
            case YamlScalarNode cs when !YamlNodes.IsNull(cs):
                return (searches, ConditionParser.Parse(cs.Value!, names, YamlNodes.Line(cs)), cs.Value!);
            case YamlSequenceNode list when list.Children.Count > 0:
                var parts = new List<ConditionNode>();
                var texts = new List<string>();
                foreach (YamlNode c in list.Children)
                {
                    if (c is not YamlScalarNode s || YamlNodes.IsNull(s))
                    {
                        throw new RuleLoadException("condition", "every entry of a condition list must be a condition string", YamlNodes.Line(c));
                    }

                    parts.Add(ConditionParser.Parse(s.Value!, names, YamlNodes.Line(s)));
                    texts.Add(s.Value!);
                }

                return (searches, parts.Count == 1 ? parts[0] : new OrNode(parts), string.Join(" or ", texts));
            default:
                throw new RuleLoadException("condition", "'condition' must be a string or a list of strings", YamlNodes.Line(conditionNode));
        }
    }

    private static YamlMappingNode Without(YamlMappingNode map, string key)
    {
        var copy = new YamlMappingNode();
        foreach (KeyValuePair<YamlNode, YamlNode> kv in map.Children)
        {
            if (kv.Key is YamlScalarNode s && s.Value == key)
            {
                continue;
            }

            copy.Children[kv.Key] = kv.Value;
        }

        return copy;
    }

    private static string Serialize(YamlMappingNode map)
    {
        using var w = new StringWriter();
        // Anchors keep shared nodes shared: expanding aliases here would let a tiny file ("billion laughs") exhaust memory.
        new YamlStream(new YamlDocument(map)).Save(w, assignAnchors: true);
        return w.ToString();
    }
}
