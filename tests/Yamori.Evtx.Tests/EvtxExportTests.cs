using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Yamori.Evtx.Tests;

/// <summary>
/// Cross-check against libevtx (Debian's libevtx-utils, an independent C decoder): for every
/// regression file the record count, record identifiers and written times equal evtxexport's,
/// and each event's XML equals its XML element for element, attribute for attribute.
/// </summary>
public sealed partial class EvtxExportTests
{
    private static readonly Lazy<string?> Tool = new(() => FindOnPath("evtxexport"));

    public static TheoryData<string> Files() => TwinConformanceTests.Files();

    private static (string Path, string Tool) Prepare(string relative)
    {
        string? root = TestData.SigmaHqRoot;
        Skip.If(root is null || relative.StartsWith('('),
            "SigmaHQ regression data not found: set YAMORI_SIGMAHQ or place the checkout at ../shared/data/sigmahq");
        Skip.If(Tool.Value is null, "evtxexport not installed (Debian package libevtx-utils); apt-get install -y libevtx-utils");
        return (Path.Combine(root!, "regression_data", relative), Tool.Value!);
    }

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void RecordIdsAndTimesEqualEvtxexport(string relative)
    {
        (string path, string tool) = Prepare(relative);
        string text = Run(tool, path, "text");
        var theirs = EventHeader().Matches(text)
            .Select(m => (Id: ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Written: m.Groups[2].Value))
            .ToList();

        using EvtxFile file = EvtxFile.Open(path);
        var ours = file.Records()
            .Select(r => (Id: r.RecordId, Written: r.Timestamp.ToString("MMM dd, yyyy HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00 UTC"))
            .ToList();
        Assert.Equal(theirs, ours);
    }

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void XmlEqualsEvtxexport(string relative)
    {
        (string path, string tool) = Prepare(relative);
        string xml = Run(tool, path, "xml");
        List<XElement> theirs = [.. EventBlock().Matches(xml).Select(m => XElement.Parse(m.Value))];

        using EvtxFile file = EvtxFile.Open(path);
        List<EvtxRecord> records = [.. file.Records()];
        Assert.Equal(theirs.Count, records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            XElement ours = XElement.Parse(records[i].ToXml());
            string? diff = Diff(theirs[i], ours, "/" + ours.Name.LocalName);
            Assert.True(diff is null, $"record {records[i].RecordId}: {diff}");

            // Spot-check the fields the engine keys on, read from our own model rather than XML.
            XNamespace ns = ours.Name.Namespace;
            XElement sys = theirs[i].Element(ns + "System")!;
            EvtxElement ourSys = records[i].Root.Element("System")!;
            Assert.Equal(sys.Element(ns + "EventID")!.Value, ourSys.Element("EventID")!.Text);
            Assert.Equal(sys.Element(ns + "Channel")!.Value, ourSys.Element("Channel")!.Text);
            Assert.Equal(sys.Element(ns + "Computer")!.Value, ourSys.Element("Computer")!.Text);
            Assert.Equal(sys.Element(ns + "EventRecordID")!.Value, ourSys.Element("EventRecordID")!.Text);
        }
    }

    /// <summary>
    /// Element-by-element comparison after normalising conventions that differ between the two
    /// decoders (see <see cref="Normalize"/>).
    /// </summary>
    private static string? Diff(XElement expected, XElement actual, string path)
    {
        if (expected.Name != actual.Name)
        {
            return $"{path}: element {expected.Name} vs {actual.Name}";
        }

        var ea = expected.Attributes().Select(a => (a.Name.ToString(), Normalize(a.Value))).ToList();
        var aa = actual.Attributes().Select(a => (a.Name.ToString(), Normalize(a.Value))).ToList();
        if (!ea.SequenceEqual(aa))
        {
            return $"{path}: attributes [{string.Join(", ", ea)}] vs [{string.Join(", ", aa)}]";
        }

        var ec = expected.Elements().ToList();
        var ac = actual.Elements().ToList();
        if (ec.Count != ac.Count)
        {
            return $"{path}: {ec.Count} child elements vs {ac.Count}";
        }

        if (ec.Count == 0 && Normalize(expected.Value) != Normalize(actual.Value))
        {
            return $"{path}: text \"{expected.Value}\" vs \"{actual.Value}\"";
        }

        for (int i = 0; i < ec.Count; i++)
        {
            string? d = Diff(ec[i], ac[i], path + "/" + ec[i].Name.LocalName + (ec[i].Attribute("Name") is { } n ? $"[{n.Value}]" : string.Empty));
            if (d is not null)
            {
                return d;
            }
        }

        return null;
    }

    /// <summary>
    /// libevtx prints 9 fractional digits for FILETIMEs (Windows prints 7: the same 100 ns value)
    /// and zero-pads 0x hex to the type's width (Windows does not); both are compared by value.
    /// </summary>
    private static string Normalize(string s)
    {
        Match m = Timestamp().Match(s);
        if (m.Success)
        {
            return m.Groups[1].Value + "." + (m.Groups[2].Value + "0000000")[..7] + "Z";
        }

        m = Hex().Match(s);
        return m.Success && ulong.TryParse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong v)
            ? "0x" + v.ToString("x", CultureInfo.InvariantCulture)
            : s;
    }

    private static string Run(string tool, string path, string format)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(format);
        psi.ArgumentList.Add(path);
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), $"evtxexport timed out on {path}");
        Assert.True(p.ExitCode == 0, $"evtxexport failed on {path}: {stderr.Result}");
        return output;
    }

    private static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [GeneratedRegex(@"^Event number\s*:\s*(\d+)\s*\nWritten time\s*:\s*(.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex EventHeader();

    [GeneratedRegex(@"<Event[ >].*?</Event>", RegexOptions.Singleline)]
    private static partial Regex EventBlock();

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)Z$")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^0[xX]([0-9a-fA-F]{1,16})$")]
    private static partial Regex Hex();
}
