using System.Globalization;
using System.Text;
using Yamori.Sigma.Events;
using Yamori.Tests;

namespace Yamori.Agent.Tests.Windows;

/// <summary>SigmaHQ's regression data (outside the repository) and the comparison helpers of the Windows tests.</summary>
internal static class RegressionData
{
    public static string? RegressionRoot =>
        TestData.SigmaHqRoot is { } root && Directory.Exists(Path.Combine(root, "regression_data")) ? Path.Combine(root, "regression_data") : null;

    public const string Missing = "SigmaHQ regression data not found: set YAMORI_SIGMAHQ or place the checkout at ../shared/data/sigmahq";

    /// <summary>Every regression .evtx, relative to regression_data, sorted; a placeholder when the data is absent.</summary>
    public static TheoryData<string> EvtxFiles() => TestData.RegressionFiles("*.evtx", relativeToRegressionData: true);

    /// <summary>
    /// Every field as one line "name=shape:value", sorted by name, plus the timestamp. Shapes are
    /// null, array or scalar: the XML does not say which scalars were integers (the JSON twin does),
    /// and the engine compares every scalar as text, so string/number/boolean are one shape here.
    /// With <paramref name="normalize"/>, values whose spelling differs only by convention between
    /// Windows' XML and evtx_dump's JSON are brought to one spelling (see <see cref="Yamori.Evtx.Tests.JsonTwin.NormalizeText"/>).
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
                ? "[" + string.Join("|", v.Items!.Select(s => normalize ? Yamori.Evtx.Tests.JsonTwin.NormalizeText(s) : s)) + "]"
                : normalize ? Yamori.Evtx.Tests.JsonTwin.NormalizeText(v.Text ?? string.Empty) : v.Text ?? string.Empty;
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
}
