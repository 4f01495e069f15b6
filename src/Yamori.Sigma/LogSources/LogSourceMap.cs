using System.Globalization;
using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.LogSources;

/// <summary>
/// The map from Sigma logsources to concrete events (Windows channel + EventID, field conditions)
/// and their field renames. The default map ships inside the library (<c>LogSources/logsources.yml</c>).
/// </summary>
public sealed class LogSourceMap
{
    private readonly Dictionary<string, List<LogSourceEntry>> _byChannel = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<LogSourceEntry> _conditional = [];

    public LogSourceMap(IReadOnlyList<LogSourceEntry> entries)
    {
        Entries = entries;
        foreach (LogSourceEntry e in entries)
        {
            if (e.Channel is not null)
            {
                if (!_byChannel.TryGetValue(e.Channel, out List<LogSourceEntry>? list))
                {
                    _byChannel[e.Channel] = list = [];
                }

                list.Add(e);
            }
            else if (e.Conditions.Count > 0)
            {
                _conditional.Add(e);
            }
        }
    }

    public IReadOnlyList<LogSourceEntry> Entries { get; }

    /// <summary>Entries recognised by field conditions alone (no channel).</summary>
    public IReadOnlyList<LogSourceEntry> ConditionalEntries => _conditional;

    private static readonly Lazy<LogSourceMap> DefaultMap = new(() =>
    {
        using Stream s = typeof(LogSourceMap).Assembly.GetManifestResourceStream("Yamori.Sigma.logsources.yml")
            ?? throw new InvalidOperationException("the embedded log source map is missing");
        using var r = new StreamReader(s);
        return Parse(r.ReadToEnd(), "logsources.yml (embedded)");
    });

    /// <summary>The map shipped with the engine.</summary>
    public static LogSourceMap Default => DefaultMap.Value;

    /// <summary>Entries of a Windows channel, in map order; empty when the channel is unknown.</summary>
    public IReadOnlyList<LogSourceEntry> ForChannel(string channel) =>
        _byChannel.TryGetValue(channel, out List<LogSourceEntry>? list) ? list : [];

    /// <summary>True when some entry provides this logsource (used to report unmapped rules).</summary>
    public bool Covers(SigmaLogSource ls)
    {
        foreach (LogSourceEntry e in Entries)
        {
            if (e.Provides(ls))
            {
                return true;
            }
        }

        return false;
    }

    public static LogSourceMap Load(string path) => Parse(File.ReadAllText(path), path);

    public static LogSourceMap Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new RuleLoadException("logsource-map", $"{file}:{ex.Start.Line}: {ex.Message}", (int)ex.Start.Line, ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root ||
            YamlNodes.Get(root, "sources") is not YamlSequenceNode seq)
        {
            throw new RuleLoadException("logsource-map", $"{file}: expected a map with a 'sources' list");
        }

        var entries = new List<LogSourceEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (YamlNode node in seq.Children)
        {
            if (node is not YamlMappingNode m)
            {
                throw new RuleLoadException("logsource-map", $"{file}:{YamlNodes.Line(node)}: each source must be a map", YamlNodes.Line(node));
            }

            string name = YamlNodes.GetString(m, "name") ?? throw new RuleLoadException("logsource-map", $"{file}:{YamlNodes.Line(m)}: a source needs a 'name'", YamlNodes.Line(m));
            if (!names.Add(name))
            {
                throw new RuleLoadException("logsource-map", $"{file}:{YamlNodes.Line(m)}: duplicate source name '{name}'", YamlNodes.Line(m));
            }

            var ids = new List<int>();
            foreach (string id in YamlNodes.GetStringList(m, "eventids"))
            {
                if (!int.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
                {
                    throw new RuleLoadException("logsource-map", $"{file}:{YamlNodes.Line(m)}: source '{name}': EventID '{id}' is not a number", YamlNodes.Line(m));
                }

                ids.Add(v);
            }

            var conditions = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (YamlNodes.Get(m, "conditions") is YamlMappingNode cm)
            {
                foreach (KeyValuePair<YamlNode, YamlNode> kv in cm.Children)
                {
                    string field = YamlNodes.KeyText(kv.Key);
                    conditions[field] = kv.Value switch
                    {
                        YamlScalarNode s => [s.Value ?? string.Empty],
                        YamlSequenceNode list => YamlNodes.GetStringList(cm, field),
                        _ => throw new RuleLoadException("logsource-map", $"{file}:{YamlNodes.Line(kv.Value)}: condition '{field}' must be a value or a list", YamlNodes.Line(kv.Value)),
                    };
                }
            }

            var mappings = new Dictionary<string, string>(StringComparer.Ordinal);
            if (YamlNodes.Get(m, "fieldmappings") is YamlMappingNode fm)
            {
                foreach (KeyValuePair<YamlNode, YamlNode> kv in fm.Children)
                {
                    mappings[YamlNodes.KeyText(kv.Key)] = YamlNodes.KeyText(kv.Value);
                }
            }

            entries.Add(new LogSourceEntry
            {
                Name = name,
                Product = YamlNodes.GetString(m, "product"),
                Category = YamlNodes.GetString(m, "category"),
                Service = YamlNodes.GetString(m, "service"),
                Channel = YamlNodes.GetString(m, "channel"),
                EventIds = ids,
                Conditions = conditions,
                FieldMappings = mappings,
                Index = entries.Count,
            });
        }

        return new LogSourceMap(entries);
    }
}
