using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Parsing;

/// <summary>Small helpers over YamlDotNet's representation model, with line numbers in every error.</summary>
internal static partial class YamlNodes
{
    public static int Line(YamlNode node) => (int)node.Start.Line;

    public static YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (KeyValuePair<YamlNode, YamlNode> kv in map.Children)
        {
            if (kv.Key is YamlScalarNode s && s.Value == key)
            {
                return kv.Value;
            }
        }

        return null;
    }

    public static string? GetString(YamlMappingNode map, string key)
    {
        YamlNode? n = Get(map, key);
        return n switch
        {
            null => null,
            YamlScalarNode s when IsNull(s) => null,
            YamlScalarNode s => s.Value,
            _ => throw new RuleLoadException("schema", $"'{key}' must be a single value, not a {Kind(n)}", Line(n)),
        };
    }

    public static IReadOnlyList<string> GetStringList(YamlMappingNode map, string key)
    {
        YamlNode? n = Get(map, key);
        switch (n)
        {
            case null:
                return [];
            case YamlScalarNode s:
                return IsNull(s) ? [] : [s.Value ?? string.Empty];
            case YamlSequenceNode seq:
                var list = new List<string>(seq.Children.Count);
                foreach (YamlNode item in seq.Children)
                {
                    if (item is YamlScalarNode si)
                    {
                        if (!IsNull(si))
                        {
                            list.Add(si.Value ?? string.Empty);
                        }
                    }
                    else if (item is YamlMappingNode m)
                    {
                        // Some rules put "key: value" items in lists such as falsepositives; keep them
                        // readable, one level deep only, so aliases are never expanded.
                        list.Add(Shallow(m));
                    }
                }

                return list;
            default:
                throw new RuleLoadException("schema", $"'{key}' must be a list of values, not a {Kind(n)}", Line(n));
        }
    }

    /// <summary>The text of a map key; keys that are lists or maps are refused with their line.</summary>
    public static string KeyText(YamlNode key) => key is YamlScalarNode s
        ? s.Value ?? string.Empty
        : throw new RuleLoadException("schema", $"a key must be a plain value, not a {Kind(key)}", Line(key));

    private static string Shallow(YamlMappingNode m)
    {
        var parts = new List<string>(m.Children.Count);
        foreach (KeyValuePair<YamlNode, YamlNode> kv in m.Children)
        {
            string k = kv.Key is YamlScalarNode ks ? ks.Value ?? string.Empty : "…";
            string v = kv.Value is YamlScalarNode vs ? vs.Value ?? string.Empty : "…";
            parts.Add(k + ": " + v);
        }

        return string.Join(", ", parts);
    }

    public static string Kind(YamlNode n) => n switch
    {
        YamlMappingNode => "map",
        YamlSequenceNode => "list",
        _ => "value",
    };

    public static bool IsNull(YamlScalarNode s) =>
        s.Style == ScalarStyle.Plain && (s.Value is null || s.Value.Length == 0 || s.Value == "~" || s.Value == "null" || s.Value == "Null" || s.Value == "NULL");

    /// <summary>Types a scalar the way YAML 1.1/1.2 core schema would, keeping the exact text.</summary>
    public static RawValue ToRawValue(YamlScalarNode s)
    {
        string text = s.Value ?? string.Empty;
        if (s.Style != ScalarStyle.Plain)
        {
            return new RawValue(RawValueKind.String, text);
        }

        if (IsNull(s))
        {
            return new RawValue(RawValueKind.Null, string.Empty);
        }

        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return new RawValue(RawValueKind.Boolean, text.ToLowerInvariant());
        }

        if (IntRegex().IsMatch(text))
        {
            // YAML ints such as 0x17 or 010 keep their written form: Sigma compares text.
            return new RawValue(RawValueKind.Number, text.StartsWith('+') ? text[1..] : text);
        }

        if (FloatRegex().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return new RawValue(RawValueKind.Number, text);
        }

        return new RawValue(RawValueKind.String, text);
    }

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex IntRegex();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatRegex();

    /// <summary>Deep-merges <paramref name="overlay"/> onto <paramref name="baseMap"/> (maps merge, other values replace).</summary>
    public static YamlMappingNode Merge(YamlMappingNode baseMap, YamlMappingNode overlay)
    {
        var result = new YamlMappingNode();
        foreach (KeyValuePair<YamlNode, YamlNode> kv in baseMap.Children)
        {
            result.Children[kv.Key] = kv.Value;
        }

        foreach (KeyValuePair<YamlNode, YamlNode> kv in overlay.Children)
        {
            if (result.Children.TryGetValue(kv.Key, out YamlNode? existing) && existing is YamlMappingNode em && kv.Value is YamlMappingNode om)
            {
                result.Children[kv.Key] = Merge(em, om);
            }
            else
            {
                result.Children[kv.Key] = kv.Value;
            }
        }

        return result;
    }
}
