using System.Buffers.Binary;
using System.Diagnostics;
using Yamori.Evtx.Tests.Synthetic;
using Yamori.Sigma.Events;
using static Yamori.Evtx.Tests.Synthetic.Templates;

namespace Yamori.Evtx.Tests;

/// <summary>
/// Mutation fuzzing of real and synthetic files: bit flips, overwritten ranges, truncation, zeroed
/// chunks, random bytes after a valid header, spliced ranges and hostile 32-bit values. Decoding
/// and rendering every mutant must not throw, must finish within a per-file timeout, and must keep
/// the heap bounded. A failing input is saved under Corpus/ and replayed by <see cref="CorpusReplays"/>.
/// </summary>
public sealed class FuzzTests
{
    // Longer hunts: YAMORI_FUZZ_SECONDS=600 YAMORI_FUZZ_SEED=n dotnet test --filter FuzzTests
    private static readonly int Seed = EnvInt("YAMORI_FUZZ_SEED", 20_260_101);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(EnvInt("YAMORI_FUZZ_SECONDS", 12));
    private static readonly TimeSpan PerFile = TimeSpan.FromSeconds(5);
    private static readonly int MaxIterations = Environment.GetEnvironmentVariable("YAMORI_FUZZ_SECONDS") is null ? 6000 : int.MaxValue;
    private const long HeapLimit = 1L << 30;

    [Fact]
    public async Task MutatedFilesNeverThrowHangOrGrowMemory()
    {
        List<byte[]> seeds = Seeds();
        var rng = new Random(Seed);
        var clock = Stopwatch.StartNew();
        int iterations = 0;
        long records = 0;
        while (iterations < MaxIterations && clock.Elapsed < Budget)
        {
            byte[] input = Mutate(seeds[rng.Next(seeds.Count)], rng);
            bool parallel = iterations % 10 == 0;
            Exception? failure = null;
            var task = Task.Run(() =>
            {
                try
                {
                    records += Exercise(input, parallel);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            });
            bool finished = await Task.WhenAny(task, Task.Delay(PerFile)) == task;
            if (!finished || failure is not null)
            {
                string saved = SaveToCorpus(input);
                Assert.Fail(finished
                    ? $"iteration {iterations}: {failure} (input saved to {saved})"
                    : $"iteration {iterations}: decoding took over {PerFile.TotalSeconds} s (input saved to {saved})");
            }

            if (iterations % 200 == 0)
            {
                long heap = GC.GetTotalMemory(forceFullCollection: false);
                Assert.True(heap < HeapLimit, $"heap at {heap / (1 << 20)} MiB after {iterations} iterations");
            }

            iterations++;
        }

        Assert.True(iterations >= 1000, $"only {iterations} iterations ran in {Budget.TotalSeconds} s");
        Console.WriteLine($"fuzz: {iterations} mutants, {records} records decoded, {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task CorpusReplays()
    {
        string dir = TestData.CorpusDirectory;
        string[] files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.evtx") : [];
        foreach (string f in files)
        {
            byte[] input = File.ReadAllBytes(f);
            var task = Task.Run(() => Exercise(input, parallel: false) + Exercise(input, parallel: true));
            Assert.True(await Task.WhenAny(task, Task.Delay(PerFile)) == task, $"{Path.GetFileName(f)} hangs");
            await task;
        }
    }

    /// <summary>Decodes everything and renders every record every way; returns the record count.</summary>
    internal static long Exercise(byte[] input, bool parallel)
    {
        using EvtxFile file = EvtxFile.FromBytes(input);
        long n = 0;
        var flat = new FlatEvent();
        foreach (EvtxRecord r in parallel ? file.RecordsParallel(3) : file.Records())
        {
            _ = r.ToXml();
            _ = r.ToJson();
            flat.Clear();
            r.Fill(flat);
            n++;
        }

        _ = file.Diagnostics.Count;
        return n;
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : fallback;

    private static byte[] Mutate(byte[] seed, Random rng)
    {
        byte[] b = (byte[])seed.Clone();
        int chunks = Math.Max(1, (b.Length - 4096) / 65536);
        int ops = 1 + rng.Next(4);
        for (int op = 0; op < ops; op++)
        {
            switch (rng.Next(9))
            {
                case 0: // bit flips, mostly inside record data
                    for (int i = 0, n = 1 + rng.Next(16); i < n; i++)
                    {
                        int at = RecordArea(b, rng);
                        b[at] ^= (byte)(1 << rng.Next(8));
                    }

                    break;
                case 1: // overwrite a short range with random bytes
                {
                    int at = RecordArea(b, rng);
                    rng.NextBytes(b.AsSpan(at, Math.Min(b.Length - at, 1 + rng.Next(64))));
                    break;
                }

                case 2: // truncate
                    return b[..rng.Next(b.Length)];
                case 3: // zero a whole chunk
                {
                    int c = rng.Next(chunks);
                    b.AsSpan(4096 + (c * 65536), Math.Min(65536, b.Length - 4096 - (c * 65536))).Clear();
                    break;
                }

                case 4: // random bytes after a valid header
                    rng.NextBytes(b.AsSpan(4096 + (rng.Next(2) * 512)));
                    break;
                case 5: // splice a range from elsewhere (repeated tokens, wrong offsets)
                {
                    int len = 1 + rng.Next(256);
                    int from = rng.Next(Math.Max(1, b.Length - len));
                    int to = RecordArea(b, rng);
                    b.AsSpan(from, Math.Min(len, b.Length - Math.Max(from, to))).CopyTo(b.AsSpan(to));
                    break;
                }

                case 6: // hostile 32-bit values where sizes and offsets live
                {
                    int at = Math.Min(b.Length - 4, RecordArea(b, rng));
                    uint[] hostile = [0, 1, 0xffffffff, 0x7fffffff, 0x10000, (uint)(at % 65536), (uint)((at % 65536) + 4), 512, 0xfffe];
                    BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), hostile[rng.Next(hostile.Length)]);
                    break;
                }

                case 7: // zero a range (the "block of 0-byte values" corruption)
                {
                    int at = RecordArea(b, rng);
                    b.AsSpan(at, Math.Min(b.Length - at, rng.Next(4096))).Clear();
                    break;
                }

                default: // break a header field, with or without fixing its checksum
                    int chunk = 4096 + (rng.Next(chunks) * 65536);
                    if (chunk + 128 <= b.Length)
                    {
                        b[chunk + rng.Next(128)] = (byte)rng.Next(256);
                        if (rng.Next(2) == 0 && chunk + 512 <= b.Length)
                        {
                            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(chunk + 124), ChunkBuilder.Crc([.. b.AsSpan(chunk, 120), .. b.AsSpan(chunk + 128, 384)]));
                        }
                    }

                    break;
            }
        }

        return b;
    }

    /// <summary>A random offset, usually in the first chunk's used area where records are.</summary>
    private static int RecordArea(byte[] b, Random rng)
    {
        if (b.Length <= 4096 + 512 || rng.Next(5) == 0)
        {
            return rng.Next(b.Length);
        }

        int chunkStart = 4096 + (rng.Next(Math.Max(1, (b.Length - 4096) / 65536)) * 65536);
        int used = chunkStart + 48 + 4 <= b.Length ? (int)Math.Min(65536, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(chunkStart + 48))) : 65536;
        int end = Math.Min(b.Length, chunkStart + Math.Max(used, 1024));
        return Math.Min(b.Length - 1, chunkStart + rng.Next(Math.Max(1, end - chunkStart)));
    }

    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]> { SyntheticSeed() };
        string? root = TestData.SigmaHqRoot;
        string dir = root is null ? string.Empty : Path.Combine(root, "regression_data");
        if (Directory.Exists(dir))
        {
            string[] files = Directory.GetFiles(dir, "*.evtx", SearchOption.AllDirectories);
            Array.Sort(files, StringComparer.Ordinal);
            for (int i = 0; i < files.Length; i += Math.Max(1, files.Length / 16))
            {
                seeds.Add(File.ReadAllBytes(files[i]));
            }
        }

        return seeds;
    }

    /// <summary>Two chunks exercising arrays, nested BinXML, references and template reuse.</summary>
    private static byte[] SyntheticSeed()
    {
        BElement body = Event(Data("Names", 7, 0x81), Data("Sid", 8, 0x13), new BElement("Data", new BSub(9, 0x21)), Data("When", 10, 0x12));
        var chunks = new List<byte[]>();
        for (int c = 0; c < 2; c++)
        {
            var chunk = new ChunkBuilder();
            for (int i = 0; i < 20; i++)
            {
                ulong id = (ulong)((c * 20) + i + 1);
                var nested = new BNested(new BElement("X", [new BAttr("k", new BText("v"), new BCharRef(65))], [new BCData("c"), new BEntityRef("lt")]), i % 2 == 0);
                chunk.AddRecord(id, Instance(body, SystemValues(4624, id, qualifiers: (ushort)i), V.StrArray("a", "b"), V.Sid(5, 21, 7), nested, V.SysTime(Created)));
            }

            chunks.Add(chunk.Build());
        }

        return EvtxFileBuilder.Build(chunks);
    }

    /// <summary>Saves a failing input next to the test sources (Corpus/), or the temp folder when they are not around.</summary>
    private static string SaveToCorpus(byte[] input)
    {
        string dir = Path.GetTempPath();
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "Yamori.Evtx.Tests", "Corpus");
            if (Directory.Exists(candidate))
            {
                dir = candidate;
                break;
            }
        }

        string path = Path.Combine(dir, $"crash-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input))[..16].ToLowerInvariant()}.evtx");
        File.WriteAllBytes(path, input);
        return path;
    }
}
