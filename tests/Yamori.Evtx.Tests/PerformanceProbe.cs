using System.Diagnostics;
using System.Globalization;
using Yamori.Evtx.Tests.Synthetic;
using Yamori.Sigma.Events;
using static Yamori.Evtx.Tests.Synthetic.Templates;

namespace Yamori.Evtx.Tests;

/// <summary>
/// Throughput figures (opt-in: YAMORI_EVTX_PERF=1, best in Release). Prints records/s and MB/s
/// for decoding alone, decoding + Fill, decoding + JSON, sequential and parallel, on the
/// regression files and on a dense Sysmon-like file, with evtxexport's time on the same file.
/// </summary>
public sealed class PerformanceProbe
{
    private static bool Printing { get; set; }

    [SkippableFact]
    public void Throughput()
    {
        Skip.If(Environment.GetEnvironmentVariable("YAMORI_EVTX_PERF") != "1", "set YAMORI_EVTX_PERF=1 to measure throughput");
        string? root = TestData.SigmaHqRoot;
        if (root is not null)
        {
            byte[][] files = [.. Directory.GetFiles(Path.Combine(root, "regression_data"), "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
            Report("regression files (192 x 1 chunk)", files, passes: 40);
        }

        byte[] dense = DenseSysmonFile(chunks: 160);
        string path = Path.Combine(Path.GetTempPath(), "yamori-dense-sysmon.evtx");
        File.WriteAllBytes(path, dense);
        Report("dense Sysmon-like file", [dense], passes: 3);
        RenderOnly(dense);
        Console.WriteLine($"dense file written to {path} ({dense.Length / 1e6:F1} MB)");
    }

    private static void Report(string label, byte[][] files, int passes)
    {
        // A silent first round lets tiered compilation settle, so the figures are steady-state.
        Report(label, files, passes, print: false);
        Report(label, files, passes, print: true);
    }

    private static void Report(string label, byte[][] files, int passes, bool print)
    {
        long bytes = files.Sum(f => (long)f.Length) * passes;
        Printing = print;
        if (print)
        {
            Console.WriteLine($"== {label}");
        }

        Measure("decode, 1 thread", files, passes, bytes, (f, n) => Count(f.Records()));
        Measure("decode, 2 threads", files, passes, bytes, (f, n) => Count(f.RecordsParallel(2)));
        var flat = new FlatEvent();
        Measure("decode + Fill, 1 thread", files, passes, bytes, (f, n) =>
        {
            long c = 0;
            foreach (EvtxRecord r in f.Records())
            {
                flat.Clear();
                r.Fill(flat);
                c++;
            }

            return c;
        });
        Measure("decode + JSON, 1 thread", files, passes, bytes, (f, n) =>
        {
            long c = 0;
            foreach (EvtxRecord r in f.Records())
            {
                c += r.ToJson().Length > 0 ? 1 : 0;
            }

            return c;
        });
        Measure("decode + XML, 1 thread", files, passes, bytes, (f, n) =>
        {
            long c = 0;
            foreach (EvtxRecord r in f.Records())
            {
                c += r.ToXml().Length > 0 ? 1 : 0;
            }

            return c;
        });
    }

    /// <summary>Rendering costs alone, on records decoded once.</summary>
    private static void RenderOnly(byte[] file)
    {
        using EvtxFile f = EvtxFile.FromBytes(file);
        List<EvtxRecord> records = [.. f.Records()];
        var flat = new FlatEvent();
        foreach ((string what, Action<EvtxRecord> act) in new (string, Action<EvtxRecord>)[]
        {
            ("Fill only", r => { flat.Clear(); r.Fill(flat); }),
            ("JSON path Fill only", r => { flat.Clear(); using var d = System.Text.Json.JsonDocument.Parse(r.ToJson()); JsonEventReader.Fill(flat, d.RootElement); }),
            ("ToJson only", r => r.ToJson()),
            ("ToXml only", r => r.ToXml()),
        })
        {
            foreach (EvtxRecord r in records)
            {
                act(r);
            }

            var sw = Stopwatch.StartNew();
            for (int p = 0; p < 3; p++)
            {
                foreach (EvtxRecord r in records)
                {
                    act(r);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-26} {3 * records.Count / sw.Elapsed.TotalSeconds,12:N0} records/s"));
        }
    }

    private static long Count(IEnumerable<EvtxRecord> records)
    {
        long n = 0;
        foreach (EvtxRecord _ in records)
        {
            n++;
        }

        return n;
    }

    private static void Measure(string what, byte[][] files, int passes, long bytes, Func<EvtxFile, int, long> run)
    {
        foreach (byte[] f in files)
        {
            using EvtxFile warm = EvtxFile.FromBytes(f);
            run(warm, 0);
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        long records = 0;
        for (int p = 0; p < passes; p++)
        {
            foreach (byte[] f in files)
            {
                using EvtxFile file = EvtxFile.FromBytes(f);
                records += run(file, p);
            }
        }

        double s = sw.Elapsed.TotalSeconds;
        long alloc = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        if (Printing)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {what,-26} {records / s,12:N0} records/s {bytes / s / 1e6,8:F1} MB/s  {alloc / (double)records,8:N0} B allocated/record"));
        }
    }

    /// <summary>Sysmon process-creation events with realistic field sizes, ~40 per chunk.</summary>
    internal static byte[] DenseSysmonFile(int chunks)
    {
        string[] names = ["RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion", "Description", "Product", "Company", "OriginalFileName", "CommandLine", "CurrentDirectory", "User", "LogonGuid", "LogonId", "TerminalSessionId", "IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId", "ParentImage", "ParentCommandLine", "ParentUser"];
        byte[] types = [0x01, 0x01, 0x0f, 0x08, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x0f, 0x15, 0x08, 0x01, 0x01, 0x0f, 0x08, 0x01, 0x01, 0x01];
        BElement body = Event([.. names.Select((n, i) => (BNode)Data(n, (ushort)(7 + i), types[i]))]);
        var rng = new Random(1);
        var list = new List<byte[]>();
        ulong id = 1;
        for (int c = 0; c < chunks; c++)
        {
            var chunk = new ChunkBuilder();
            while (chunk.Position < 62_000)
            {
                string image = $"C:\\Windows\\System32\\tool{rng.Next(1000)}.exe";
                BValue[] data =
                [
                    V.Str("-"), V.Str("2025-10-24 23:41:48.482"), V.Guid(Guid.NewGuid()), V.U32((uint)rng.Next(100000)), V.Str(image),
                    V.Str("10.0.20348.1 (WinBuild.160101.0800)"), V.Str("Windows Command Processor"), V.Str("Microsoft® Windows® Operating System"),
                    V.Str("Microsoft Corporation"), V.Str("Cmd.Exe"), V.Str($"{image} /c whoami /all & echo {rng.Next()} > C:\\Users\\Public\\out.txt "),
                    V.Str("C:\\Users\\Administrator\\"), V.Str("ATTACKRANGE\\Administrator"), V.Guid(Guid.NewGuid()), V.Hex64((ulong)rng.Next()),
                    V.U32(1), V.Str("High"),
                    V.Str("MD5=DBB2D090D2098B2B995FA067FDEF839F,SHA256=8955D2A45404A59C2E3772F3C76AEEAE48AEDF100BE328C003D7A4DF5342B491,IMPHASH=213443B550A6683661EB0CF00CF0468A"),
                    V.Guid(Guid.NewGuid()), V.U32((uint)rng.Next(100000)), V.Str("C:\\Windows\\explorer.exe"), V.Str("C:\\Windows\\Explorer.EXE"), V.Str("ATTACKRANGE\\Administrator"),
                ];
                chunk.AddRecord(id, Instance(body, SystemValues(1, id), data));
                id++;
            }

            list.Add(chunk.Build());
        }

        return EvtxFileBuilder.Build(list);
    }
}
