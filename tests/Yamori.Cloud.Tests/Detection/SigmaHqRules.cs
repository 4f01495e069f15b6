using Yamori.Cloud.Events;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Matching;
using Yamori.Tests;

namespace Yamori.Cloud.Tests.Detection;

/// <summary>Every SigmaHQ rule, loaded once for the detection tests (a few seconds); null when the data is absent.</summary>
public sealed class SigmaHqRules
{
    public const string Missing = "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared/data/sigmahq next to the repository";

    public const string CertutilDownload = "19b08b1c-861d-4e75-a1ef-ea0c1baf202b";
    public const string CertutilDecode = "cc9cbe82-7bc0-4ef5-bc23-bbfb83947be7";
    public const string CertutilExportPfx = "3ffd6f51-e6c1-47b7-94b4-c1e61d4117c5";

    private static readonly string[] Folders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance", "rules-dfir"];

    public SigmaHqRules()
    {
        Root = TestData.SigmaHqRoot;
        if (Root is null)
        {
            return;
        }

        Rules = RuleLoader.Load(
            Folders.Select(f => Path.Combine(Root, f)).Where(Directory.Exists),
            new CompileOptions { Placeholders = PlaceholderConfig.Load(TestData.PlaceholderConfigPath) });
    }

    public string? Root { get; }

    public RuleSet? Rules { get; }

    /// <summary>
    /// The events of a regression folder (<c>regression_data/rules/windows/process_creation/&lt;name&gt;</c>) as
    /// agent telemetry: declared windows/process_creation, every field as the JSON twin has it, at <paramref name="time"/>.
    /// </summary>
    public TelemetryEvent[] ProcessCreation(string folder, DateTimeOffset time)
    {
        string dir = Path.Combine(Root!, "regression_data", "rules", "windows", "process_creation", folder);
        var result = new List<TelemetryEvent>();
        foreach (string json in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            foreach (FlatEvent e in JsonEventReader.ReadAll(File.ReadAllBytes(json)))
            {
                result.Add(new TelemetryEvent(time, new LogSource("windows", "process_creation", ""), ToFields(e)));
            }
        }

        return [.. result];
    }

    private static EventField[] ToFields(FlatEvent e)
    {
        var fields = new List<EventField>();
        foreach (KeyValuePair<string, FieldValue> kv in e.Fields)
        {
            EventValue v = kv.Value.Kind switch
            {
                FieldKind.Null => EventValue.Null,
                FieldKind.Array => EventValue.From(kv.Value.Items!),
                FieldKind.Number when long.TryParse(kv.Value.Text, System.Globalization.CultureInfo.InvariantCulture, out long n) => EventValue.From(n),
                _ => EventValue.From(kv.Value.Text ?? ""),
            };
            fields.Add(new EventField(kv.Key, v));
        }

        return [.. fields];
    }
}

[CollectionDefinition(Name)]
public sealed class SigmaHqCollection : ICollectionFixture<SigmaHqRules>
{
    public const string Name = "SigmaHQ rules";
}
