using System.Buffers.Binary;
using Yamori.Evtx.Tests.Synthetic;
using static Yamori.Evtx.Tests.Synthetic.Templates;

namespace Yamori.Evtx.Tests;

/// <summary>
/// Hand-made hostile inputs kept in Corpus/ (regenerate with YAMORI_WRITE_CORPUS=1). Files are
/// cut after their last used byte, which the decoder must also survive (a truncated chunk).
/// </summary>
public sealed class CorpusSeeds
{
    internal static IEnumerable<(string Name, byte[] Data)> All()
    {
        BElement deep = new("Leaf", new BText("x"));
        for (int i = 0; i < 300; i++)
        {
            deep = new BElement("N", deep);
        }

        yield return ("seed-deep-nesting", Trim(EvtxFileBuilder.Single(deep)));

        BValue chain = V.Str("bottom");
        for (int i = 0; i < 200; i++)
        {
            chain = new BNested(new BTemplate(new BElement("L", new BElement("M", new BSub(0, i == 0 ? (byte)0x01 : (byte)0x21))), [chain]));
        }

        yield return ("seed-nested-binxml-chain", Trim(EvtxFileBuilder.Single(Instance(EventWith(new BElement("UserData", new BSub(7, 0x21))), SystemValues(1, 1), chain))));

        // Two 20000-item arrays in one element: a 400-million-element cartesian expansion unless bounded.
        var bomb = new BElement("Data", [new BAttr("Name", new BSub(7, 0x84))], [new BSub(8, 0x84)]);
        yield return ("seed-array-bomb", Trim(EvtxFileBuilder.Single(Instance(Event(bomb), SystemValues(1, 1), new BRaw(0x84, new byte[20000]), new BRaw(0x84, new byte[20000])))));

        // A template instance whose definition offset points at the chunk header.
        byte[] file = EvtxFileBuilder.Single(Instance(Event(Data("A", 7, 0x01)), SystemValues(1, 1), V.Str("a")), Instance(Event(Data("A", 7, 0x01)), SystemValues(1, 2), V.Str("b")));
        int second = 4096 + DamageTests.FindRecord(file.AsSpan(4096, 65536).ToArray(), 2);
        int token = file.AsSpan(second).IndexOf((byte)0x0c);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(second + token + 6), 8);
        yield return ("seed-template-offset-into-header", Trim(file));

        byte[] garbage = EvtxFileBuilder.Build([new byte[65536]]);
        new Random(3).NextBytes(garbage.AsSpan(4096, 8192));
        yield return ("seed-random-after-header", garbage[..(4096 + 8192)]);
    }

    [SkippableFact]
    public void WriteSeeds()
    {
        Skip.If(Environment.GetEnvironmentVariable("YAMORI_WRITE_CORPUS") != "1", "set YAMORI_WRITE_CORPUS=1 to regenerate Corpus/seed-*.evtx");
        string dir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Corpus"));
        foreach ((string name, byte[] data) in All())
        {
            File.WriteAllBytes(Path.Combine(dir, name + ".evtx"), data);
        }
    }

    [Fact]
    public async Task SeedsDecodeWithDiagnosticsOnly()
    {
        foreach ((string name, byte[] data) in All())
        {
            Task<long> t = Task.Run(() => FuzzTests.Exercise(data, parallel: false));
            Assert.True(await Task.WhenAny(t, Task.Delay(TimeSpan.FromSeconds(5))) == t, name + " hangs");
            using EvtxFile f = EvtxFile.FromBytes(data);
            _ = f.Records().Count();
            Assert.NotEmpty(f.Diagnostics);
        }
    }

    /// <summary>Cuts a one-chunk file after the chunk's used bytes.</summary>
    private static byte[] Trim(byte[] file)
    {
        int used = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4096 + 48));
        return file[..(4096 + used)];
    }
}
