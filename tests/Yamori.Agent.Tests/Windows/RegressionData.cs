using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Yamori.Sigma.Events;
using Yamori.Tests;
using YamlDotNet.RepresentationModel;

namespace Yamori.Agent.Tests.Windows;

/// <summary>SigmaHQ's regression data (outside the repository) and the comparison helpers of the Windows tests.</summary>
internal static partial class RegressionData
{
    public static string? RegressionRoot =>
        TestData.SigmaHqRoot is { } root && Directory.Exists(Path.Combine(root, "regression_data")) ? Path.Combine(root, "regression_data") : null;

    public const string Missing = "SigmaHQ regression data not found: set YAMORI_SIGMAHQ or place the checkout at ../shared/data/sigmahq";

    /// <summary>Every regression .evtx, relative to regression_data, sorted; a placeholder when the data is absent.</summary>
    public static TheoryData<string> EvtxFiles()
    {
        var data = new TheoryData<string>();
        string? dir = RegressionRoot;
        if (dir is null)
        {
            data.Add("(regression data absent)");
            return data;
        }

        foreach (string f in Directory.GetFiles(dir, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(dir, f));
        }

        return data;
    }

    /// <summary>
    /// Every field as one line "name=shape:value", sorted by name, plus the timestamp. Shapes are
    /// null, array or scalar: the XML does not say which scalars were integers (the JSON twin does),
    /// and the engine compares every scalar as text, so string/number/boolean are one shape here.
    /// With <paramref name="normalize"/>, values whose spelling differs only by convention between
    /// Windows' XML and evtx_dump's JSON are brought to one spelling (see <see cref="NormalizeText"/>).
    /// </summary>
    public static string Describe(FlatEvent e, bool normalize)
    {
        var lines = new List<string>(e.FieldCount + 1);
        for (int i = 0; i < e.FieldCount; i++)
        {
            FieldValue v = e.GetFieldAt(i, out string name);
            string shape = v.Kind switch
            {
                FieldKind.Null => "null",
                FieldKind.Array => "array",
                _ => "scalar",
            };
            string text = v.Kind == FieldKind.Array
                ? "[" + string.Join("|", v.Items!.Select(s => normalize ? NormalizeText(s) : s)) + "]"
                : normalize ? NormalizeText(v.Text ?? string.Empty) : v.Text ?? string.Empty;
            lines.Add(name + "=" + shape + ":" + text);
        }

        lines.Sort(StringComparer.Ordinal);
        long? ticks = e.Timestamp?.UtcTicks;
        if (normalize && ticks is not null)
        {
            ticks -= ticks % 10; // evtx_dump keeps microseconds; Windows' XML has 100 ns
        }

        var sb = new StringBuilder();
        foreach (string line in lines)
        {
            sb.Append(line).Append('\n');
        }

        return sb.Append("@timestamp=").Append(ticks?.ToString(CultureInfo.InvariantCulture) ?? "none").ToString();
    }

    /// <summary>
    /// The documented convention differences between Windows' XML (what EvtRender gives and what the
    /// mapper keeps) and evtx_dump's JSON (the twins), and nothing else:
    /// <list type="bullet">
    /// <item>FILETIME/SYSTEMTIME values: Windows prints 7 fractional digits, evtx_dump 6 (some twins 9);</item>
    /// <item>GUID-typed values: Windows prints <c>{UPPER}</c>, evtx_dump bare upper-case;</item>
    /// <item>hex-typed values: some evtx_dump versions pad with zeros;</item>
    /// <item>numbers: the twin's JSON spelling of a real (1e3) against Windows' text.</item>
    /// </list>
    /// </summary>
    public static string NormalizeText(string s)
    {
        Match m = TimestampPattern().Match(s);
        if (m.Success)
        {
            return m.Groups[1].Value + "." + (m.Groups[2].Value + "000000")[..6] + "Z";
        }

        m = HexPattern().Match(s);
        if (m.Success && ulong.TryParse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong hex))
        {
            return "0x" + hex.ToString("x", CultureInfo.InvariantCulture);
        }

        m = GuidPattern().Match(s);
        if (m.Success)
        {
            return m.Groups[1].Value.ToUpperInvariant();
        }

        return s;
    }

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"^0[xX]([0-9a-fA-F]{1,16})$")]
    private static partial Regex HexPattern();

    [GeneratedRegex(@"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")]
    private static partial Regex GuidPattern();

    /// <summary>One regression case: the rule it is for and its tests (path relative to the SigmaHQ root, expected count).</summary>
    internal sealed record Case(string InfoPath, string RuleId, string Title, List<(string Name, string Path, int? MatchCount)> Tests)
    {
        public static Case Read(string root, string infoPath)
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(File.ReadAllText(Path.Combine(root, infoPath))));
            var doc = (YamlMappingNode)yaml.Documents[0].RootNode;
            var meta = (YamlMappingNode)((YamlSequenceNode)doc.Children[new YamlScalarNode("rule_metadata")]).Children[0];
            string Get(YamlMappingNode m, string key) =>
                m.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? v) ? ((YamlScalarNode)v).Value ?? string.Empty : string.Empty;
            var tests = new List<(string, string, int?)>();
            if (doc.Children.TryGetValue(new YamlScalarNode("regression_tests_info"), out YamlNode? list) && list is YamlSequenceNode seq)
            {
                foreach (YamlMappingNode t in seq.Children.OfType<YamlMappingNode>())
                {
                    string count = Get(t, "match_count");
                    tests.Add((Get(t, "name"), Get(t, "path"), count.Length == 0 ? null : int.Parse(count, CultureInfo.InvariantCulture)));
                }
            }

            return new Case(infoPath, Get(meta, "id"), Get(meta, "title"), tests);
        }
    }
}
