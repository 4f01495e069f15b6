using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Parsing;

/// <summary>Parses one search identifier: a map, a list of maps, or a keyword list.</summary>
internal static class SearchParser
{
    public static SearchIdentifier Parse(string name, YamlNode node)
    {
        var branches = new List<SearchBranch>();
        switch (node)
        {
            case YamlMappingNode map:
                branches.Add(ParseMap(map));
                break;
            case YamlSequenceNode seq:
                var keywords = new List<RawValue>();
                foreach (YamlNode item in seq.Children)
                {
                    switch (item)
                    {
                        case YamlMappingNode m:
                            branches.Add(ParseMap(m));
                            break;
                        case YamlScalarNode s:
                            keywords.Add(YamlNodes.ToRawValue(s));
                            break;
                        default:
                            throw new RuleLoadException("schema", $"search identifier '{name}': a list may hold values or maps, not nested lists", YamlNodes.Line(item));
                    }
                }

                if (keywords.Count > 0)
                {
                    branches.Insert(0, new SearchBranch([new FieldItem(null, [], keywords, YamlNodes.Line(seq))]));
                }

                break;
            case YamlScalarNode scalar when !YamlNodes.IsNull(scalar):
                branches.Add(new SearchBranch([new FieldItem(null, [], [YamlNodes.ToRawValue(scalar)], YamlNodes.Line(scalar))]));
                break;
            default:
                throw new RuleLoadException("schema", $"search identifier '{name}' is empty", YamlNodes.Line(node));
        }

        if (branches.Count == 0)
        {
            throw new RuleLoadException("schema", $"search identifier '{name}' is an empty list", YamlNodes.Line(node));
        }

        return new SearchIdentifier(name, branches, YamlNodes.Line(node));
    }

    private static SearchBranch ParseMap(YamlMappingNode map)
    {
        var items = new List<FieldItem>(map.Children.Count);
        foreach (KeyValuePair<YamlNode, YamlNode> kv in map.Children)
        {
            string key = YamlNodes.KeyText(kv.Key);
            string[] parts = key.Split('|');
            string? field = parts[0].Length == 0 ? null : parts[0];
            var modifiers = new List<string>(parts.Length - 1);
            for (int i = 1; i < parts.Length; i++)
            {
                modifiers.Add(parts[i]);
            }

            items.Add(new FieldItem(field, modifiers, ParseValues(key, kv.Value), YamlNodes.Line(kv.Key)));
        }

        if (items.Count == 0)
        {
            throw new RuleLoadException("schema", "an empty map cannot match anything", YamlNodes.Line(map));
        }

        return new SearchBranch(items);
    }

    private static List<RawValue> ParseValues(string key, YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode s:
                return [YamlNodes.ToRawValue(s)];
            case YamlSequenceNode seq:
                var values = new List<RawValue>(seq.Children.Count);
                foreach (YamlNode item in seq.Children)
                {
                    if (item is not YamlScalarNode si)
                    {
                        throw new RuleLoadException("schema", $"'{key}': values must be scalars, not a {YamlNodes.Kind(item)}", YamlNodes.Line(item));
                    }

                    values.Add(YamlNodes.ToRawValue(si));
                }

                if (values.Count == 0)
                {
                    throw new RuleLoadException("schema", $"'{key}': an empty list of values cannot match", YamlNodes.Line(node));
                }

                return values;
            default:
                throw new RuleLoadException("schema", $"'{key}': a value must be a scalar or a list, not a map", YamlNodes.Line(node));
        }
    }
}
