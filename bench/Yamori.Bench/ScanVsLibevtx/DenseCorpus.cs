using System.Globalization;
using Yamori.Evtx;
using Yamori.Evtx.Tests.Synthetic;
using Yamori.Sigma.Events;

namespace Yamori.Bench.ScanVsLibevtx;

/// <summary>
/// A large, dense EVTX collection built from SigmaHQ's regression records: full 64 KiB chunks, one
/// template per event shape per chunk (as Windows writes them), values varying per record. About 1%
/// of records are regression records as recorded (so rules fire, on every channel the regression data
/// covers); the rest are benign variants in an endpoint's proportions (Sysmon process creation, file,
/// registry, image load, process access, network, DNS; Security logons and process creation), with
/// images, command lines, users, hosts and times drawn from one seeded <see cref="Random"/>.
/// The bytes are a function of the seed and the regression data: the same run twice writes the same files.
/// </summary>
internal static class DenseCorpus
{
    /// <summary>Bump when the generated content changes, so a cached corpus is rebuilt.</summary>
    public const int Version = 1;

    private const int ChunkSize = 65536;

    /// <summary>One in this many records is a regression record as recorded.</summary>
    private const int OriginalEvery = 100;

    /// <summary>Shares by kind, as in the throughput bench's "mix" workload (Workloads.Mix).</summary>
    private static readonly (int Kind, double Share)[] Shares = [(1, 0.35), (3, 0.10), (11, 0.15), (13, 0.15), (7, 0.10), (10, 0.03), (22, 0.05), (4624, 0.07)];

    public sealed record Result(IReadOnlyList<(string Path, long Records)> Files, long Originals, int Shapes, int Skipped);

    public static Result Generate(string sigmaRoot, string dir, int files, long totalBytes, int seed)
    {
        var library = new ShapeLibrary();
        var samples = new List<RecordSample>();
        int skipped = 0;
        string regression = Path.Combine(sigmaRoot, "regression_data");
        foreach (string f in Directory.EnumerateFiles(regression, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using EvtxFile file = EvtxFile.Open(f);
            foreach (EvtxRecord r in file.Records())
            {
                if (library.FromRecord(r) is { } s)
                {
                    samples.Add(s);
                }
                else
                {
                    skipped++;
                }
            }
        }

        var byKind = new Dictionary<int, RecordSample[]>();
        foreach (int kind in new[] { 1, 7, 10, 11, 13 })
        {
            byKind[kind] = [.. samples.Where(s => s.Channel == EventSynth.SysmonChannel && s.EventId == kind)];
            if (byKind[kind].Length == 0)
            {
                throw new InvalidOperationException($"no Sysmon EventID {kind} record in {regression}");
            }
        }

        Directory.CreateDirectory(dir);
        var synth = new EventSynth(seed);
        var seen = new Dictionary<int, int>();
        long originals = 0;
        int chunksPerFile = (int)Math.Max(1, totalBytes / files / ChunkSize);
        var written = new List<(string, long)>();
        int nextOriginal = 0;
        for (int fi = 0; fi < files; fi++)
        {
            var chunks = new List<byte[]>(chunksPerFile);
            ulong id = 1;
            var chunk = new ChunkBuilder();
            while (chunks.Count < chunksPerFile)
            {
                synth.Begin();
                RecordShape shape;
                BValue[] values;
                DateTime time;
                if (synth.Next(OriginalEvery) == 0)
                {
                    RecordSample s = samples[nextOriginal++ % samples.Count];
                    FlatEvent identity = synth.Vary(s.Flat, new(StringComparer.OrdinalIgnoreCase));
                    time = identity.Timestamp!.Value.UtcDateTime;
                    shape = s.Shape;
                    values = Rewrite(s, identity, id, time, onlyIdentity: true);
                    originals++;
                }
                else
                {
                    int kind = PickKind(synth);
                    int nth = seen[kind] = seen.GetValueOrDefault(kind) + 1;
                    if (byKind.TryGetValue(kind, out RecordSample[]? templates))
                    {
                        RecordSample s = templates[nth % templates.Length];
                        FlatEvent benign = kind switch
                        {
                            1 => WindowsEvents.ProcessCreation(synth, s.Flat),
                            7 => WindowsEvents.ImageLoad(synth, s.Flat),
                            10 => WindowsEvents.ProcessAccess(synth, s.Flat),
                            11 => WindowsEvents.FileCreate(synth, s.Flat),
                            _ => WindowsEvents.RegistrySet(synth, s.Flat),
                        };
                        time = benign.Timestamp!.Value.UtcDateTime;
                        shape = s.Shape;
                        values = Rewrite(s, benign, id, time, onlyIdentity: false);
                    }
                    else
                    {
                        FlatEvent e = kind switch
                        {
                            3 => WindowsEvents.Network(synth),
                            22 => WindowsEvents.Dns(synth),
                            _ => WindowsEvents.Security(synth),
                        };
                        time = e.Timestamp!.Value.UtcDateTime;
                        shape = library.ForFlat(e);
                        values = FromFlat(shape, e, id, time);
                    }
                }

                int bound = shape.SizeBound(values);
                if (bound > ChunkSize - 512)
                {
                    continue;
                }

                if (chunk.Position + bound > ChunkSize)
                {
                    chunks.Add(chunk.Build());
                    chunk = new ChunkBuilder();
                    if (chunks.Count == chunksPerFile)
                    {
                        break;
                    }
                }

                chunk.AddRecord(id++, new BTemplate(shape.Body, values), (ulong)time.ToFileTimeUtc());
            }

            string path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"dense-{fi:D3}.evtx"));
            File.WriteAllBytes(path, EvtxFileBuilder.Build(chunks));
            written.Add((path, (long)(id - 1)));
        }

        return new Result(written, originals, library.Count, skipped);
    }

    private static int PickKind(EventSynth synth)
    {
        double roll = synth.Next(1_000_000) / 1_000_000.0;
        double acc = 0;
        foreach ((int kind, double share) in Shares)
        {
            acc += share;
            if (roll < acc)
            {
                return kind;
            }
        }

        return 1;
    }

    /// <summary>
    /// The sample's values with the fields that differ in <paramref name="target"/> re-encoded in the
    /// substitution's own type (a value that does not parse as that type keeps the recorded one), and
    /// the record number and time set for this position in the file.
    /// </summary>
    private static BValue[] Rewrite(RecordSample s, FlatEvent target, ulong id, DateTime time, bool onlyIdentity)
    {
        var values = new BValue[s.Values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = s.Values[i];
            string? name = s.Shape.FieldNames[i];
            if (name is null)
            {
                continue;
            }

            byte[]? data = name switch
            {
                "EventRecordID" => ValueCodec.FromText(id.ToString(CultureInfo.InvariantCulture), s.Shape.Types[i]),
                "TimeCreated_SystemTime" => s.Shape.Types[i] == Evtx.EvtxValueType.FileTime ? V.Le(time.ToFileTimeUtc(), 8) : null,
                _ when onlyIdentity => null,
                _ => Changed(s.Flat, target, name) is { } text ? ValueCodec.FromText(text, s.Shape.Types[i]) : null,
            };
            if (data is not null)
            {
                values[i] = new BRaw((byte)s.Shape.Types[i], data);
            }
        }

        return values;
    }

    private static string? Changed(FlatEvent original, FlatEvent target, string name) =>
        target.TryGetField(name, out FieldValue now) && now.Text is { } text &&
        (!original.TryGetField(name, out FieldValue was) || !string.Equals(was.Text, text, StringComparison.Ordinal))
            ? text
            : null;

    private static BValue[] FromFlat(RecordShape shape, FlatEvent e, ulong id, DateTime time)
    {
        var values = new BValue[shape.FieldNames.Length];
        for (int i = 0; i < values.Length; i++)
        {
            string name = shape.FieldNames[i]!;
            string text = name switch
            {
                "EventRecordID" => id.ToString(CultureInfo.InvariantCulture),
                "TimeCreated_SystemTime" => time.ToString("O", CultureInfo.InvariantCulture),
                _ => e.TryGetField(name, out FieldValue v) ? v.Text ?? string.Empty : string.Empty,
            };
            byte[] data = ValueCodec.FromText(text, shape.Types[i]) ?? throw new InvalidOperationException($"{name}='{text}' is not a {shape.Types[i]}");
            values[i] = new BRaw((byte)shape.Types[i], data);
        }

        return values;
    }
}
