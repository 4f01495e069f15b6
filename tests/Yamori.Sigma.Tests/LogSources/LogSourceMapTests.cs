using Yamori.Tests;
using System.Text;
using YamlDotNet.RepresentationModel;
using Yamori.Sigma.LogSources;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.LogSources;

public class LogSourceMapTests
{
    private const string SysmonChannel = "Microsoft-Windows-Sysmon/Operational";

    private static readonly string[] RuleFolders =
    [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-placeholder",
        "rules-compliance",
        "rules-dfir",
    ];

    [Fact]
    public void DefaultMapLoadsWithUniqueNames()
    {
        LogSourceMap map = LogSourceMap.Default;

        Assert.NotEmpty(map.Entries);
        string[] duplicates = map.Entries.GroupBy(e => e.Name, StringComparer.Ordinal)
            .Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.Empty(duplicates);
        Assert.All(map.Entries, e => Assert.False(string.IsNullOrWhiteSpace(e.Name)));
        for (int i = 0; i < map.Entries.Count; i++)
        {
            Assert.Equal(i, map.Entries[i].Index);
        }
    }

    [Fact]
    public void WindowsServiceEntriesAreChannelWideAndComeBeforeCategoryEntries()
    {
        LogSourceMap map = LogSourceMap.Default;

        foreach (LogSourceEntry e in map.Entries.Where(e => e.Product == "windows" && e.Service is not null))
        {
            Assert.True(e.Channel is not null, $"{e.Name}: a windows service entry needs a channel");
            Assert.True(e.Category is null, $"{e.Name}: a windows service entry has no category");
            Assert.True(e.EventIds.Count == 0, $"{e.Name}: a windows service entry covers the whole channel");
            Assert.True(e.FieldMappings.Count == 0, $"{e.Name}: a windows service entry renames nothing");
        }

        foreach (IGrouping<string, LogSourceEntry> channel in map.Entries.Where(e => e.Channel is not null)
                     .GroupBy(e => e.Channel!, StringComparer.OrdinalIgnoreCase))
        {
            IReadOnlyList<LogSourceEntry> entries = map.ForChannel(channel.Key);
            int firstCategory = entries.ToList().FindIndex(e => e.Category is not null);
            int lastService = entries.ToList().FindLastIndex(e => e.Category is null);
            Assert.True(firstCategory < 0 || lastService < firstCategory,
                $"channel '{channel.Key}': channel-wide entries must precede category entries");
        }
    }

    [Fact]
    public void Security4688RenamesImageToNewProcessName()
    {
        LogSourceEntry entry = Assert.Single(
            LogSourceMap.Default.ForChannel("Security"),
            e => e.EventIds.Contains(4688) && e.Category == "process_creation");

        Assert.True(entry.Provides(new SigmaLogSource("windows", "process_creation", null)));
        Assert.Equal("NewProcessName", entry.FieldMappings["Image"]);
        Assert.Equal("ParentProcessName", entry.FieldMappings["ParentImage"]);
    }

    [Fact]
    public void SysmonEventId1ProvidesWindowsProcessCreation()
    {
        var processCreation = new SigmaLogSource("windows", "process_creation", null);

        LogSourceEntry entry = Assert.Single(
            LogSourceMap.Default.ForChannel(SysmonChannel),
            e => e.EventIds.Contains(1));

        Assert.True(entry.Provides(processCreation));
        Assert.Empty(entry.FieldMappings);
        Assert.True(LogSourceMap.Default.Covers(processCreation));
    }

    [Fact]
    public void SysmonChannelWideEntryProvidesTheSysmonService()
    {
        LogSourceEntry first = LogSourceMap.Default.ForChannel(SysmonChannel)[0];

        Assert.True(first.Provides(new SigmaLogSource("windows", null, "sysmon")));
        Assert.Empty(first.EventIds);
    }

    [Fact]
    public void ForChannelIsCaseInsensitive()
    {
        LogSourceMap map = LogSourceMap.Default;

        IReadOnlyList<LogSourceEntry> lower = map.ForChannel("security");

        Assert.NotEmpty(lower);
        Assert.Equal(map.ForChannel("Security"), lower);
        Assert.Equal(map.ForChannel("SECURITY"), lower);
        Assert.Contains(lower, e => e.Service == "security" && e.EventIds.Count == 0);
        Assert.Equal(map.ForChannel(SysmonChannel), map.ForChannel(SysmonChannel.ToUpperInvariant()));
        Assert.Empty(map.ForChannel("No-Such-Channel/Operational"));
    }

    [SkippableFact]
    public void EveryWindowsAndLinuxLogSourceOfSigmaHqIsCovered()
    {
        string? root = TestData.SigmaHqRoot;
        Skip.If(root is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repo");

        var seen = new Dictionary<SigmaLogSource, string>();
        var unreadable = new List<string>();
        int files = 0;
        foreach (string folder in RuleFolders)
        {
            string dir = Path.Combine(root, folder);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (string file in Directory.EnumerateFiles(dir, "*.yml", SearchOption.AllDirectories))
            {
                files++;
                var stream = new YamlStream();
                try
                {
                    using var reader = new StreamReader(file);
                    stream.Load(reader);
                }
                catch (YamlDotNet.Core.YamlException ex)
                {
                    unreadable.Add($"{file}: {ex.Message}");
                    continue;
                }

                foreach (YamlDocument doc in stream.Documents)
                {
                    if (doc.RootNode is not YamlMappingNode map ||
                        !map.Children.TryGetValue(new YamlScalarNode("logsource"), out YamlNode? node) ||
                        node is not YamlMappingNode ls)
                    {
                        continue;
                    }

                    var source = new SigmaLogSource(Scalar(ls, "product"), Scalar(ls, "category"), Scalar(ls, "service"));
                    if (source.Product is "windows" or "linux")
                    {
                        seen.TryAdd(source, Path.GetRelativePath(root, file));
                    }
                }
            }
        }

        Assert.True(files > 0, $"no rules found under {root}");
        Assert.Empty(unreadable);
        Assert.Contains(new SigmaLogSource("windows", "process_creation", null), seen.Keys);

        List<KeyValuePair<SigmaLogSource, string>> uncovered = seen
            .Where(kv => !LogSourceMap.Default.Covers(kv.Key))
            .OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal)
            .ToList();
        if (uncovered.Count > 0)
        {
            var message = new StringBuilder();
            message.Append(uncovered.Count).Append(" SigmaHQ logsources have no entry in logsources.yml:");
            foreach (KeyValuePair<SigmaLogSource, string> kv in uncovered)
            {
                message.AppendLine().Append("  ").Append(kv.Key).Append("  (e.g. ").Append(kv.Value).Append(')');
            }

            Assert.Fail(message.ToString());
        }
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? node) && node is YamlScalarNode s &&
        !string.IsNullOrEmpty(s.Value)
            ? s.Value.ToLowerInvariant()
            : null;
}
