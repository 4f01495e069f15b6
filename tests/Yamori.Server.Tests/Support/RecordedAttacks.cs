using System.Text.RegularExpressions;
using Yamori.Cloud.Ingest;
using Yamori.Contracts.Agent.V1;
using Yamori.Sigma.Events;
using Yamori.Tests;

namespace Yamori.Server.Tests.Support;

/// <summary>
/// Attacks recorded by SigmaHQ (regression_data JSON twins of their EVTX files), turned into wire
/// events as an agent would ship them. Data we did not write, so detection is tested on real records.
/// </summary>
internal static partial class RecordedAttacks
{
    public static string? Root => TestData.SigmaHqRoot;

    /// <summary>The recorded events of one regression case and the id of the rule they must fire.</summary>
    public static (IReadOnlyList<Event> Events, string RuleId) Load(string category, string caseName)
    {
        string dir = Path.Combine(Root!, "regression_data", "rules", "windows", category, caseName);
        string json = Directory.GetFiles(dir, "*.json").Single();
        string ruleId = RuleIdLine().Match(File.ReadAllText(Path.Combine(dir, "info.yml"))).Groups[1].Value;
        var events = new List<Event>();
        foreach (FlatEvent flat in JsonEventReader.ReadAll(File.ReadAllBytes(json)))
        {
            events.Add(RecordedEvents.ToWire(flat, DateTimeOffset.UtcNow));
        }

        return (events, ruleId);
    }

    [GeneratedRegex(@"rule_metadata:\s*\n\s*-\s*id:\s*([0-9a-f-]{36})")]
    private static partial Regex RuleIdLine();
}
