using System.Text;
using Yamori.Evtx;
using Yamori.Sigma.Events;

namespace Yamori.Bench.ScanVsLibevtx;

/// <summary>
/// Yamori's decoder alone, in this process: every record of every file decoded (element tree built,
/// values typed) and counted. Rendering is left out except in <see cref="Xml"/>, which also renders
/// each record's XML (to a reused buffer, then dropped), like <c>evtxexport -f xml</c> does.
/// </summary>
internal static class DecoderRuns
{
    public static readonly (string Name, Func<IReadOnlyList<string>, int, long> Run)[] All =
    [
        ("decode, 1 thread (Records)", (files, _) => Sequential(files)),
        ("decode, RecordsParallel(n) per file", RecordsParallel),
        ("decode, chunks of all files on n threads", ChunksParallel),
        ("decode + XML render, 1 thread", (files, _) => Xml(files)),
        ("decode + Fill (scan's share), chunks on n threads", ChunksParallelFill),
    ];

    public static long Sequential(IReadOnlyList<string> files)
    {
        long n = 0;
        foreach (string f in files)
        {
            using EvtxFile file = EvtxFile.Open(f);
            foreach (EvtxRecord _ in file.Records())
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>The library's ordered parallel enumeration, file after file (a one-chunk file is decoded on this thread).</summary>
    public static long RecordsParallel(IReadOnlyList<string> files, int threads)
    {
        long n = 0;
        foreach (string f in files)
        {
            using EvtxFile file = EvtxFile.Open(f);
            foreach (EvtxRecord _ in file.RecordsParallel(threads))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Every chunk of every file as one work list on <paramref name="threads"/> threads: how <c>yamori scan</c> schedules.</summary>
    public static long ChunksParallel(IReadOnlyList<string> files, int threads) =>
        OverChunks(files, threads, static () => 0, static (chunk, _) => chunk.Records.Count);

    /// <summary>
    /// As <see cref="ChunksParallel"/>, plus <see cref="EvtxRecord.Fill"/> into a reused <see cref="FlatEvent"/>:
    /// everything <c>yamori scan</c> does per event before the rules run. Not the decoder alone; it splits
    /// the scan's time into reading events and matching them.
    /// </summary>
    public static long ChunksParallelFill(IReadOnlyList<string> files, int threads) =>
        OverChunks(files, threads, static () => new FlatEvent(), static (chunk, e) =>
        {
            foreach (EvtxRecord r in chunk.Records)
            {
                e.Clear();
                r.Fill(e);
            }

            return chunk.Records.Count;
        });

    /// <summary>Decodes every chunk of every file on <paramref name="threads"/> threads; <paramref name="perChunk"/> returns records handled.</summary>
    private static long OverChunks<TState>(IReadOnlyList<string> files, int threads, Func<TState> newState, Func<EvtxChunk, TState, long> perChunk)
    {
        var opened = files.Select(EvtxFile.Open).ToList();
        try
        {
            var units = new List<(EvtxFile File, int Chunk)>();
            foreach (EvtxFile f in opened)
            {
                for (int c = 0; c < Math.Max(1, f.ChunkSlotCount); c++)
                {
                    units.Add((f, c));
                }
            }

            long n = 0;
            Parallel.For(
                0,
                units.Count,
                new ParallelOptions { MaxDegreeOfParallelism = threads },
                () => (Count: 0L, State: newState()),
                (i, _, local) => (local.Count + perChunk(units[i].File.DecodeChunk(units[i].Chunk), local.State), local.State),
                local => Interlocked.Add(ref n, local.Count));
            return n;
        }
        finally
        {
            foreach (EvtxFile f in opened)
            {
                f.Dispose();
            }
        }
    }

    public static long Xml(IReadOnlyList<string> files)
    {
        long n = 0;
        var sb = new StringBuilder(16 * 1024);
        foreach (string f in files)
        {
            using EvtxFile file = EvtxFile.Open(f);
            foreach (EvtxRecord r in file.Records())
            {
                sb.Clear();
                r.WriteXml(sb);
                n++;
            }
        }

        return n;
    }
}
