using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Filters;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Detection;

/// <summary>A tenant filter that cannot be saved: where (line, field) and why.</summary>
public sealed class FilterValidationException : ArgumentException
{
    public FilterValidationException(int line, string field, string reason)
        : base(line > 0 ? $"line {line}, {field}: {reason}" : $"{field}: {reason}")
    {
        Line = line;
        Field = field;
        Reason = reason;
    }

    public FilterValidationException()
    {
        Field = "";
        Reason = "";
    }

    public FilterValidationException(string message)
        : base(message)
    {
        Field = "";
        Reason = message;
    }

    public FilterValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "";
        Reason = message;
    }

    /// <summary>1-based YAML line, 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The YAML field at fault (<c>filter.rules</c>, <c>filter.selection</c>, …) or the loader's reason code.</summary>
    public string Field { get; }

    public string Reason { get; }
}

/// <summary>
/// Validates tenant filters against the global rules and compiles them for evaluation. A filter is
/// evaluated as a detection rule of its own, one copy per rule it names with that rule's
/// <c>logsource</c>, so it reads the event's fields exactly as the named rule does (the engine's
/// rule for filters: they apply wherever a named rule fires; their own logsource is informative).
/// </summary>
internal static class TenantFilterCompiler
{
    /// <summary>Parses and checks <paramref name="yaml"/>; returns the filter and the ids of the global rules it names.</summary>
    /// <exception cref="FilterValidationException">Invalid YAML, not a filter, a detection that does not compile, or an unknown rule.</exception>
    public static (SigmaFilter Filter, IReadOnlyList<string> RuleIds) Validate(string yaml, RuleSet global)
    {
        if (string.IsNullOrWhiteSpace(yaml))
        {
            throw new FilterValidationException(0, "yaml", "the filter is empty");
        }

        RuleSet set = RuleLoader.LoadYaml([("filter", yaml)]);
        foreach (RuleError error in set.Errors)
        {
            // The filter's rules are not in this one-document set; they are checked against the global rules below.
            if (error.ReasonCode != "filter-target")
            {
                throw new FilterValidationException(error.Line, FieldOf(error), error.Message);
            }
        }

        if (set.Filters.Count != 1 || set.Rules.Count != 0 || set.Correlations.Count != 0)
        {
            throw new FilterValidationException(1, "filter", "the YAML must hold exactly one Sigma filter document (title, id, logsource and a 'filter:' section with 'rules', selections and 'condition')");
        }

        SigmaFilter filter = set.Filters[0];
        List<(string Name, int Line)> named = RuleEntries(yaml);
        var ids = new List<string>();
        foreach (string name in filter.Rules)
        {
            if (global.Find(name) is not SigmaRule rule)
            {
                int line = named.FirstOrDefault(n => n.Name == name).Line;
                throw new FilterValidationException(line, "filter.rules", $"unknown rule '{name}': no loaded detection rule has this id or name");
            }

            if (!ids.Contains(rule.Id))
            {
                ids.Add(rule.Id);
            }
        }

        return (filter, ids);
    }

    /// <summary>Compiles a tenant's filters; null when there are none. Filters that no longer validate (a rule pack update removed their rule) are skipped.</summary>
    public static CompiledTenantFilters? Compile(IReadOnlyList<SuppressionFilter> filters, RuleSet global)
    {
        if (filters.Count == 0)
        {
            return null;
        }

        var sources = new List<(string Name, string Yaml)>();
        var targets = new Dictionary<string, (Guid Filter, string RuleId)>(StringComparer.Ordinal);
        foreach (SuppressionFilter f in filters)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(f.Yaml));
            }
            catch (YamlException)
            {
                continue;
            }

            if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root ||
                !root.Children.TryGetValue(new YamlScalarNode("filter"), out YamlNode? filterNode) || filterNode is not YamlMappingNode filterMap)
            {
                continue;
            }

            var detection = new YamlMappingNode();
            foreach (KeyValuePair<YamlNode, YamlNode> kv in filterMap.Children)
            {
                if (kv.Key is not YamlScalarNode { Value: "rules" })
                {
                    detection.Children[kv.Key] = kv.Value;
                }
            }

            foreach (string ruleId in f.RuleIds)
            {
                if (global.Find(ruleId) is not SigmaRule rule)
                {
                    continue;
                }

                string syntheticId = Guid.NewGuid().ToString("D");
                var doc = new YamlMappingNode
                {
                    { "title", f.Title },
                    { "id", syntheticId },
                    { "logsource", LogSourceNode(rule.LogSource) },
                    { "detection", detection },
                };
                var writer = new StringWriter();
                new YamlStream(new YamlDocument(doc)).Save(writer, assignAnchors: false);
                sources.Add((f.Id.ToString("D"), writer.ToString()));
                targets[syntheticId] = (f.Id, rule.Id);
            }
        }

        if (sources.Count == 0)
        {
            return null;
        }

        RuleSet set = RuleLoader.LoadYaml(sources);
        return new CompiledTenantFilters(new SigmaEngine(set), targets);
    }

    private static YamlMappingNode LogSourceNode(SigmaLogSource ls)
    {
        var node = new YamlMappingNode();
        if (ls.Product is { } p)
        {
            node.Add("product", p);
        }

        if (ls.Category is { } c)
        {
            node.Add("category", c);
        }

        if (ls.Service is { } s)
        {
            node.Add("service", s);
        }

        return node;
    }

    private static string FieldOf(RuleError error) => error.ReasonCode switch
    {
        "yaml" => "yaml",
        "schema" => "filter",
        "condition" => "filter.condition",
        _ => "filter (" + error.ReasonCode + ")",
    };

    /// <summary>The entries of <c>filter.rules</c> with their lines, to point at the unknown one.</summary>
    private static List<(string Name, int Line)> RuleEntries(string yaml)
    {
        var result = new List<(string, int)>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException)
        {
            return result;
        }

        foreach (YamlDocument doc in stream.Documents)
        {
            if (doc.RootNode is YamlMappingNode root &&
                root.Children.TryGetValue(new YamlScalarNode("filter"), out YamlNode? f) && f is YamlMappingNode filter &&
                filter.Children.TryGetValue(new YamlScalarNode("rules"), out YamlNode? rules))
            {
                if (rules is YamlSequenceNode seq)
                {
                    foreach (YamlNode item in seq)
                    {
                        if (item is YamlScalarNode { Value: { } v })
                        {
                            result.Add((v, (int)item.Start.Line));
                        }
                    }
                }
                else if (rules is YamlScalarNode { Value: { } single })
                {
                    result.Add((single, (int)rules.Start.Line));
                }
            }
        }

        return result;
    }
}

/// <summary>A tenant's compiled filters: an engine over their synthetic rules, and what each synthetic rule stands for.</summary>
internal sealed class CompiledTenantFilters(SigmaEngine engine, Dictionary<string, (Guid Filter, string RuleId)> targets)
{
    // Filters run only after a rule they name fired, which is rare next to events: one session under a lock is enough.
    private readonly Lock _gate = new();
    private readonly MatchSession _session = engine.CreateSession();
    private readonly List<SigmaRule> _matches = [];

    public IReadOnlySet<string> RuleIds { get; } = targets.Values.Select(t => t.RuleId).ToHashSet(StringComparer.Ordinal);

    /// <summary>True when a filter naming <paramref name="ruleId"/> matches the event.</summary>
    public bool Suppresses(string ruleId, Yamori.Sigma.Events.ISigmaEvent evt)
    {
        lock (_gate)
        {
            _matches.Clear();
            _session.Match(evt, _matches);
            foreach (SigmaRule m in _matches)
            {
                if (targets.TryGetValue(m.Id, out (Guid Filter, string RuleId) t) && t.RuleId == ruleId)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
