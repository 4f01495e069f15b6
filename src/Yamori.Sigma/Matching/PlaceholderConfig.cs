using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Matching;

/// <summary>Reads placeholder values (<c>name: [values]</c>) for the <c>expand</c> modifier.</summary>
public static class PlaceholderConfig
{
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Load(string path) => Parse(File.ReadAllText(path), path);

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new RuleLoadException("placeholder-config", $"{file}:{ex.Start.Line}: {ex.Message}", (int)ex.Start.Line, ex);
        }

        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (stream.Documents.Count == 0)
        {
            return result;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new RuleLoadException("placeholder-config", $"{file}: expected a map of placeholder name to values");
        }

        foreach (KeyValuePair<YamlNode, YamlNode> kv in root.Children)
        {
            string name = YamlNodes.KeyText(kv.Key);
            result[name] = YamlNodes.GetStringList(root, name);
        }

        return result;
    }
}
