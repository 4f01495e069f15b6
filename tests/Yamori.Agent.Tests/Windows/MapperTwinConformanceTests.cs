using Yamori.Agent.Windows;
using Yamori.Evtx;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Tests.Windows;

/// <summary>
/// The mapper on real recorded events: every record of every SigmaHQ regression .evtx is rendered to
/// Windows' event XML by Yamori.Evtx (checked element for element against libevtx's evtxexport in
/// Yamori.Evtx.Tests, and rendered compact as EvtRender does), mapped, and compared with the two
/// existing routes to Sigma fields: the scanner's own EVTX flattening and the JSON twin read by
/// <see cref="JsonEventReader"/>. Only the documented conventions are normalised
/// (<see cref="Yamori.Evtx.Tests.JsonTwin.NormalizeText"/>); names, shapes (null / array / scalar) and values must agree.
/// </summary>
public sealed class MapperTwinConformanceTests
{
    /// <summary>
    /// The one twin that disagrees with its own .evtx (found and argued in Yamori.Evtx.Tests'
    /// TwinConformanceTests): its ParentCommandLine was lower-cased by hand; the record holds "Explorer.EXE".
    /// </summary>
    private const string KnownTwinError = "proc_creation_win_susp_right_to_left_override/ad691d92-15f2-4181-9aa4-723c74f9ddc3.evtx";

    [SkippableTheory]
    [MemberData(nameof(RegressionData.EvtxFiles), MemberType = typeof(RegressionData))]
    public void Mapped_xml_equals_the_scanner_and_the_json_twin(string relative)
    {
        Skip.If(RegressionData.RegressionRoot is null, RegressionData.Missing);
        string evtx = Path.Combine(RegressionData.RegressionRoot!, relative);
        string twinPath = Path.ChangeExtension(evtx, ".json");
        Assert.True(File.Exists(twinPath), $"JSON twin missing: {twinPath}");
        List<FlatEvent> twin = [.. JsonEventReader.ReadAll(File.ReadAllBytes(twinPath))];

        var mapper = new WindowsEventMapper();
        using EvtxFile file = EvtxFile.Open(evtx);
        int i = 0;
        foreach (EvtxRecord r in file.Records())
        {
            string xml = r.ToXml(indent: false);
            FlatEvent mapped = mapper.Map(xml);
            Assert.True(mapped.FieldCount > 0, $"record {r.RecordId}: nothing mapped");
            Assert.NotNull(mapped.Timestamp);
            Assert.True(mapped.Source.IsEmpty, "Windows events leave Source empty: the engine classifies them by Channel and EventID");

            var scanned = new FlatEvent();
            r.Fill(scanned);
            Assert.Equal(RegressionData.Describe(scanned, normalize: true), RegressionData.Describe(mapped, normalize: true));

            Assert.True(i < twin.Count, $"{relative}: more records than the twin's {twin.Count}");
            string expected = RegressionData.Describe(twin[i], normalize: true);
            if (relative.Replace('\\', '/').EndsWith(KnownTwinError, StringComparison.Ordinal) && i == 0)
            {
                const string said = @"ParentCommandLine=scalar:C:\Windows\Explorer.exe";
                Assert.Contains(said, expected, StringComparison.Ordinal);
                expected = expected.Replace(said, @"ParentCommandLine=scalar:C:\Windows\Explorer.EXE", StringComparison.Ordinal);
            }

            Assert.Equal(expected, RegressionData.Describe(mapped, normalize: true));

            // Indented XML (Event Viewer's layout) must give exactly the same event: layout is not content.
            FlatEvent fromIndented = mapper.Map(r.ToXml(indent: true));
            Assert.Equal(RegressionData.Describe(mapped, normalize: false), RegressionData.Describe(fromIndented, normalize: false));
            i++;
        }

        Assert.Equal(twin.Count, i);
    }
}
