using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Yamori.Tests;

/// <summary>
/// One case of SigmaHQ's regression suite (<c>regression_data/**/info.yml</c>): the rule it is for and
/// its tests. Shared by the engine's conformance tests (JSON twins) and the agent's Windows mapper
/// tests (EVTX rendered as EvtRender XML), so both hold the suite to the same expectations.
/// </summary>
internal sealed record SigmaHqRegressionCase(string RuleId, string Title, IReadOnlyList<SigmaHqRegressionTest> Tests)
{
    /// <summary>
    /// Cases where SigmaHQ's <c>match_count</c> is lower than the number of events in its own JSON twin
    /// that satisfy the rule. Each is argued event by event in docs/detection.md.
    /// </summary>
    public static IReadOnlyDictionary<string, int> DocumentedCounts { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["45e112d0-7759-4c2a-aa36-9f8fb79d3393"] = 3, // IE Change Domain Zone: SigmaHQ says 1
        ["c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e"] = 2, // Disable Administrative Share Creation at Startup: SigmaHQ says 1
        ["8fbf3271-1ef6-4e94-8210-03c2317947f6"] = 3, // Cred Dump Tools Dropped Files: SigmaHQ says 1
        ["0b9ad457-2554-44c1-82c2-d56a99c42377"] = 3, // Anydesk Temporary Artefact: SigmaHQ says 1
    };

    /// <summary>Reads one info.yml (a full path).</summary>
    public static SigmaHqRegressionCase Read(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var meta = (YamlMappingNode)((YamlSequenceNode)root.Children[new YamlScalarNode("rule_metadata")]).Children[0];
        string id = ((YamlScalarNode)meta.Children[new YamlScalarNode("id")]).Value!;
        string title = meta.Children.TryGetValue(new YamlScalarNode("title"), out YamlNode? t) ? ((YamlScalarNode)t).Value ?? string.Empty : string.Empty;
        var tests = new List<SigmaHqRegressionTest>();
        if (root.Children.TryGetValue(new YamlScalarNode("regression_tests_info"), out YamlNode? list) && list is YamlSequenceNode seq)
        {
            foreach (YamlMappingNode test in seq.Children.OfType<YamlMappingNode>())
            {
                string Get(string key) => test.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? v) ? ((YamlScalarNode)v).Value ?? string.Empty : string.Empty;
                string count = Get("match_count");
                tests.Add(new SigmaHqRegressionTest(Get("name"), Get("path"), count.Length == 0 ? null : int.Parse(count, CultureInfo.InvariantCulture)));
            }
        }

        return new SigmaHqRegressionCase(id, title, tests);
    }
}

/// <summary>One regression test of a case: its recording (path relative to the SigmaHQ root) and expected count.</summary>
internal sealed record SigmaHqRegressionTest(string Name, string Path, int? MatchCount);
