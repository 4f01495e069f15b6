using System.Text.Json;
using System.Text.Json.Nodes;
using Yamori.Sigma.Events;
using static Yamori.Evtx.Tests.Synthetic.Templates;

namespace Yamori.Evtx.Tests.Synthetic;

/// <summary>Every token and value type, array expansion and nested BinXML, on hand-built files.</summary>
public sealed class SyntheticTests
{
    internal static List<EvtxRecord> Decode(byte[] file, out IReadOnlyList<EvtxDiagnostic> diagnostics)
    {
        using EvtxFile f = EvtxFile.FromBytes(file);
        List<EvtxRecord> records = [.. f.Records()];
        diagnostics = f.Diagnostics;
        return records;
    }

    private static EvtxRecord One(BNode document)
    {
        List<EvtxRecord> records = Decode(EvtxFileBuilder.Single(document), out IReadOnlyList<EvtxDiagnostic> diags);
        Assert.Empty(diags);
        return Assert.Single(records);
    }

    private static JsonNode Json(EvtxRecord r) => JsonNode.Parse(r.ToJson())!;

    /// <summary>The direct Fill and the JSON route through JsonEventReader give the same fields.</summary>
    internal static void AssertFillMatchesJsonPath(EvtxRecord r)
    {
        var direct = new FlatEvent();
        r.Fill(direct);
        var viaJson = new FlatEvent();
        using (JsonDocument d = JsonDocument.Parse(r.ToJson()))
        {
            JsonEventReader.Fill(viaJson, d.RootElement);
        }

        Assert.Equal(JsonTwin.Describe(viaJson), JsonTwin.Describe(direct));
    }

    [Fact]
    public void EveryValueTypeRendersLikeWindowsInXmlAndLikeEvtxDumpInJson()
    {
        (string Name, byte Type, BValue Value, string Xml, string Json)[] cases =
        [
            ("I8", 0x03, V.I8(-5), "-5", "-5"),
            ("U8", 0x04, V.U8(200), "200", "200"),
            ("I16", 0x05, V.I16(-300), "-300", "-300"),
            ("U16", 0x06, V.U16(65000), "65000", "65000"),
            ("I32", 0x07, V.I32(-70000), "-70000", "-70000"),
            ("U32", 0x08, V.U32(4_000_000_000), "4000000000", "4000000000"),
            ("I64", 0x09, V.I64(-5_000_000_000), "-5000000000", "-5000000000"),
            ("U64", 0x0a, V.U64(ulong.MaxValue), "18446744073709551615", "18446744073709551615"),
            ("R32", 0x0b, V.R32(1.5f), "1.5", "\"1.5\""),
            ("R64", 0x0c, V.R64(0.1), "0.1", "\"0.1\""),
            ("Bool", 0x0d, V.Bool(true), "true", "true"),
            ("Bin", 0x0e, V.Bin(0xde, 0xad, 0xbe, 0xef), "DEADBEEF", "\"DEADBEEF\""),
            ("Guid", 0x0f, V.Guid(Provider), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "\"5770385F-C22A-43E0-BF4C-06F5698FFBD9\""),
            ("SizeT", 0x10, V.SizeT(0x10, 8), "0x10", "\"0x10\""),
            ("FileTime", 0x11, V.FileTime(Created.AddTicks(4971709)), "2025-10-24T23:41:48.4971709Z", "\"2025-10-24T23:41:48.497170Z\""),
            ("SysTime", 0x12, V.SysTime(Created.AddMilliseconds(482)), "2025-10-24T23:41:48.4820000Z", "\"2025-10-24T23:41:48.482000Z\""),
            ("Sid", 0x13, V.Sid(5, 21, 1, 2, 500), "S-1-5-21-1-2-500", "\"S-1-5-21-1-2-500\""),
            ("Hex32", 0x14, V.Hex32(0x1fffff), "0x1fffff", "\"0x1fffff\""),
            ("Hex64", 0x15, V.Hex64(0x85527), "0x85527", "\"0x85527\""),
            ("Ansi", 0x02, V.Ansi("abc"), "abc", "\"abc\""),
            ("Str", 0x01, V.Str("C:\\x.exe \" "), "C:\\x.exe \" ", "\"C:\\\\x.exe \\\"\""),
        ];
        BElement body = Event([.. cases.Select((c, i) => (BNode)Data(c.Name, (ushort)(7 + i), c.Type))]);
        EvtxRecord r = One(Instance(body, SystemValues(1, 42), [.. cases.Select(c => c.Value)]));

        var data = r.Root.Element("EventData")!.Elements().ToList();
        JsonNode eventData = Json(r)["Event"]!["EventData"]!;
        for (int i = 0; i < cases.Length; i++)
        {
            Assert.Equal(cases[i].Name, data[i].Attribute("Name")!.Value.ToString());
            Assert.Equal(cases[i].Xml, data[i].Text);
            Assert.Equal(cases[i].Json, eventData[cases[i].Name]!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        }

        AssertFillMatchesJsonPath(r);
    }

    [Fact]
    public void SystemRendersLikeTheTwins()
    {
        EvtxRecord r = One(Instance(Event(Data("A", 7, 0x01)), SystemValues(7036, 99, qualifiers: 16384), V.Str("x")));
        Assert.Equal(
            """{"Provider":{"#attributes":{"Name":"Test-Provider","Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9"}},"EventID":{"#attributes":{"Qualifiers":16384},"#text":7036},"TimeCreated":{"#attributes":{"SystemTime":"2025-10-24T23:41:48.497170Z"}},"EventRecordID":99,"Correlation":null,"Channel":"Test/Operational","Computer":"host.example","Security":{"#attributes":{"UserID":"S-1-5-18"}}}""",
            Json(r)["Event"]!["System"]!.ToJsonString());
        Assert.Contains("<Correlation/>", r.ToXml(), StringComparison.Ordinal);
        Assert.Equal((7036, "Test/Operational", "host.example", "Test-Provider"), (r.EventId, r.Channel, r.Computer, r.ProviderName));
        Assert.Equal(Created.AddTicks(4971709), r.TimeCreated);
        Assert.Contains("<EventID Qualifiers=\"16384\">7036</EventID>", r.ToXml(), StringComparison.Ordinal);

        var e = new FlatEvent();
        r.Fill(e);
        Assert.True(e.TryGetField("EventID", out FieldValue id));
        Assert.Equal((FieldKind.Number, "7036"), (id.Kind, id.Text));
        Assert.True(e.TryGetField("EventID_Qualifiers", out FieldValue q));
        Assert.Equal("16384", q.Text);
        Assert.True(e.TryGetField("Provider_Guid", out FieldValue g));
        Assert.Equal("5770385F-C22A-43E0-BF4C-06F5698FFBD9", g.Text);
        Assert.Equal(new DateTimeOffset(Created.AddTicks(4971700)), e.Timestamp);
        AssertFillMatchesJsonPath(r);
    }

    [Fact]
    public void NullOptionalSubstitutionsDropTheAttributeAndKeepTheElement()
    {
        EvtxRecord r = One(Instance(Event(Data("A", 7, 0x01)), SystemValues(1, 1, withUser: false), V.Null));
        EvtxElement sys = r.Root.Element("System")!;
        Assert.Empty(sys.Element("Security")!.Attributes);
        Assert.Empty(sys.Element("EventID")!.Attributes);
        Assert.Null(Json(r)["Event"]!["System"]!["Security"]);
        Assert.Equal(1, Json(r)["Event"]!["System"]!["EventID"]!.GetValue<int>());

        // An empty Data is null in JSON (and a null field), as in SigmaHQ's twins.
        JsonObject data = Json(r)["Event"]!["EventData"]!.AsObject();
        Assert.True(data.ContainsKey("A"));
        Assert.Null(data["A"]);
        AssertFillMatchesJsonPath(r);
    }

    [Fact]
    public void ArraysRepeatTheirElementOncePerItem()
    {
        BElement body = Event(Data("Names", 7, 0x81), Data("Empty", 8, 0x87), Data("One", 9, 0x87));
        EvtxRecord r = One(Instance(body, SystemValues(1, 1), V.StrArray("a", "b", "c"), V.I32Array(), V.I32Array(5)));

        var names = r.Root.Element("EventData")!.Elements().Where(e => e.Attribute("Name")!.Value.ToString() == "Names").Select(e => e.Text).ToList();
        Assert.Equal(["a", "b", "c"], names);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(r.ToXml(), "<Data Name=\"Names\">"));

        JsonNode data = Json(r)["Event"]!["EventData"]!;
        Assert.Equal("a", data["Names"]!.GetValue<string>());
        Assert.Equal("b", data["Names_1"]!.GetValue<string>());
        Assert.Equal("c", data["Names_2"]!.GetValue<string>());
        Assert.Null(data["Empty"]);
        Assert.Equal(5, data["One"]!.GetValue<int>());
        AssertFillMatchesJsonPath(r);
    }

    [Fact]
    public void UnnamedDataBecomesATextArray()
    {
        var body = Event(new BElement("Data", new BSub(7, 0x87)), new BElement("Data", new BSub(8, 0x01)));
        EvtxRecord r = One(Instance(body, SystemValues(1, 1), V.I32Array(1, 2), V.Str("z")));
        Assert.Equal("""{"Data":{"#text":[1,2,"z"]}}""", Json(r)["Event"]!["EventData"]!.ToJsonString());

        var e = new FlatEvent();
        r.Fill(e);
        Assert.True(e.TryGetField("Data", out FieldValue v));
        Assert.Equal(["1", "2", "z"], v.Items!);
        AssertFillMatchesJsonPath(r);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NestedBinXmlExpandsInPlace(bool dependencyIds)
    {
        var inner = new BElement("Inner", [new BAttr("a", new BText("1"))], [new BText("x"), new BElement("Leaf", new BText("y"))]);
        var body = EventWith(new BElement("UserData", new BSub(7, 0x21)));
        EvtxRecord r = One(Instance(body, SystemValues(1, 1), new BNested(inner, dependencyIds)));

        EvtxElement got = r.Root.Element("UserData")!.Element("Inner")!;
        Assert.Equal("1", got.Attribute("a")!.Value.ToString());
        Assert.Equal("x", got.Text);
        Assert.Equal("y", got.Element("Leaf")!.Text);
        Assert.Equal("""{"Inner":{"#attributes":{"a":"1"},"#text":"x","Leaf":"y"}}""", Json(r)["Event"]!["UserData"]!.ToJsonString());
        AssertFillMatchesJsonPath(r);
    }

    [Fact]
    public void NestedTemplateInstanceInsideBinXmlValue()
    {
        var innerBody = new BElement("Op", [new BAttr("xmlns", new BText("urn:x"))], [new BElement("Id", new BSub(0, 0x08)), new BElement("User", new BSub(1, 0x01))]);
        var nested = new BNested(new BTemplate(innerBody, [V.U32(7), V.Str("bob")]));
        EvtxRecord r = One(Instance(EventWith(new BElement("UserData", new BSub(7, 0x21))), SystemValues(1, 1), nested));
        Assert.Equal("""{"Op":{"#attributes":{"xmlns":"urn:x"},"Id":7,"User":"bob"}}""", Json(r)["Event"]!["UserData"]!.ToJsonString());

        var e = new FlatEvent();
        r.Fill(e);
        Assert.True(e.TryGetField("User", out FieldValue u));
        Assert.Equal("bob", u.Text);
        AssertFillMatchesJsonPath(r);
    }

    [Fact]
    public void ReferencesCDataAndProcessingInstructions()
    {
        var misc = new BElement("Misc", new BText("a"), new BCharRef(66), new BEntityRef("amp"), new BCData("<c>"), new BPI("pi", "d=1"));
        EvtxRecord r = One(Instance(EventWith(new BElement("UserData", misc)), SystemValues(1, 1)));
        EvtxElement m = r.Root.Element("UserData")!.Element("Misc")!;
        Assert.Equal("aB&<c>", m.Text);
        Assert.Contains("<Misc>a&#66;&amp;<![CDATA[<c>]]><?pi d=1?></Misc>", r.ToXml(), StringComparison.Ordinal);
        Assert.Equal("aB&<c>", Json(r)["Event"]!["UserData"]!["Misc"]!.GetValue<string>());
        AssertFillMatchesJsonPath(r);
    }

    [Fact]
    public void TemplatesAndNamesAreReusedAcrossRecords()
    {
        BElement body = Event(Data("Image", 7, 0x01), Data("Pid", 8, 0x08));
        var chunk = new ChunkBuilder();
        for (int i = 1; i <= 50; i++)
        {
            chunk.AddRecord((ulong)i, Instance(body, SystemValues(1, (ulong)i), V.Str($"img{i}.exe"), V.U32((uint)i)));
        }

        List<EvtxRecord> records = Decode(EvtxFileBuilder.Build([chunk.Build()]), out IReadOnlyList<EvtxDiagnostic> diags);
        Assert.Empty(diags);
        Assert.Equal(50, records.Count);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal((ulong)(i + 1), records[i].RecordId);
            Assert.Equal($"img{i + 1}.exe", records[i].Root.Element("EventData")!.Elements().First().Text);
        }
    }

    [Fact]
    public void RecordWithoutTemplate()
    {
        var ev = new BElement("Event", [new BAttr("xmlns", new BText("urn:e"))], [new BElement("System", new BElement("EventID", new BText("4"))), new BElement("EventData", new BElement("Data", [new BAttr("Name", new BText("k"))], [new BText("v")]))]);
        EvtxRecord r = One(ev);
        Assert.Equal("""{"Event":{"#attributes":{"xmlns":"urn:e"},"System":{"EventID":"4"},"EventData":{"k":"v"}}}""", r.ToJson());
        AssertFillMatchesJsonPath(r);
    }

    [Fact]
    public void DeepNestingIsReportedNotFollowed()
    {
        BElement e = new("Leaf", new BText("x"));
        for (int i = 0; i < 300; i++)
        {
            e = new BElement("N", e);
        }

        List<EvtxRecord> records = Decode(EvtxFileBuilder.Single(e, new BElement("Event", new BElement("System"))), out IReadOnlyList<EvtxDiagnostic> diags);
        Assert.Single(records);
        EvtxDiagnostic d = Assert.Single(diags);
        Assert.Equal(EvtxDiagnosticKind.RecordUndecodable, d.Kind);
        Assert.Contains("too deeply", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestedBinXmlChainsAreBounded()
    {
        // Each level: a BinXML value holding a template instance whose value is the next level.
        BValue value = V.Str("bottom");
        for (int i = 0; i < 200; i++)
        {
            var body = new BElement("L", new BElement("M", new BElement("N", new BSub(0, i == 0 ? (byte)0x01 : (byte)0x21))));
            value = new BNested(new BTemplate(body, [value]));
        }

        List<EvtxRecord> records = Decode(EvtxFileBuilder.Single(Instance(EventWith(new BElement("UserData", new BSub(7, 0x21))), SystemValues(1, 1), value)), out IReadOnlyList<EvtxDiagnostic> diags);
        Assert.Empty(records);
        Assert.Equal(EvtxDiagnosticKind.RecordUndecodable, Assert.Single(diags).Kind);
    }
}
