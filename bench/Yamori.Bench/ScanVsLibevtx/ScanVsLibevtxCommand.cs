using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Yamori.Bench.ScanVsLibevtx;

/// <summary>
/// <c>scan-vs-libevtx</c>: in one run and on the same files, (a) libevtx's <c>evtxexport -f xml</c>,
/// one process per file; (b) the real <c>yamori scan</c> process with every SigmaHQ rule; (c) Yamori's
/// decoder alone, in this process. Prints records/s, MB/s, peak memory and the speed ratios b/a, c/a.
/// </summary>
internal static partial class ScanVsLibevtxCommand
{
    public const string Usage = """
          scan-vs-libevtx [--corpus DIR] [--size-mb N] [--files N] [--rounds N] [--threads N] [--seed N] [--regenerate]
                     (a) evtxexport -f xml per file, (b) yamori scan with all SigmaHQ rules, (c) the decoder
                     alone, on the same files: records/s, MB/s, peak RSS, ratios b/a and c/a. Default corpora:
                     SigmaHQ's regression .evtx files, and a dense one generated from them into the temp
                     folder (--size-mb, default 200, in --files files, default 20). --corpus DIR measures DIR only.
        """;

    /// <summary>(c) repeats a pass over the corpus until this much time has passed, then divides.</summary>
    private const double MinDecodeSeconds = 0.5;

    private static readonly string[] RulePacks = ["rules", "rules-emerging-threats", "rules-threat-hunting"];

    public static int Run(string[] args)
    {
        string generateInto = Args.String(args, "--generate-into", string.Empty);
        int sizeMb = Args.Int(args, "--size-mb", 200);
        int fileCount = Args.Int(args, "--files", 20);
        int seed = Args.Int(args, "--seed", 1);
        string sigma = SigmaHq.RequireRoot();
        if (generateInto.Length > 0)
        {
            return GenerateChild(sigma, generateInto, sizeMb, fileCount, seed);
        }

        int rounds = Math.Max(1, Args.Int(args, "--rounds", 3));
        int threads = Math.Max(1, Args.Int(args, "--threads", Environment.ProcessorCount));
        string corpusDir = Args.String(args, "--corpus", string.Empty);

        string? repo = Repository.Find();
        string? evtxexport = ChildProcess.OnPath("evtxexport");
        string? dotnet = ChildProcess.OnPath("dotnet");
        if (repo is null || evtxexport is null || dotnet is null)
        {
            Console.Error.WriteLine(repo is null ? "scan-vs-libevtx: run inside the Yamori repository (Yamori.slnx not found above the current directory)"
                : evtxexport is null ? "scan-vs-libevtx: evtxexport not found; install libevtx-utils (apt-get install -y libevtx-utils)"
                : "scan-vs-libevtx: dotnet not found on PATH");
            return 2;
        }

        string? cli = EnsureCli(repo, dotnet);
        if (cli is null)
        {
            return 2;
        }

        var setup = new Setup(evtxexport, dotnet, cli, [.. RulePacks.Select(p => Path.Combine(sigma, p))], Placeholders(repo), threads, rounds);
        Console.WriteLine("== scan-vs-libevtx: evtxexport (libevtx) vs yamori scan vs Yamori's decoder, same files, same run");
        Console.WriteLine(Machine.Describe());
        Console.WriteLine($"memory: {ChildProcess.StatusField("/proc/meminfo", "MemTotal:") / 1e9:F1} GB; evtxexport: {Version(evtxexport, "-V")}; yamori: {cli} (repo {Git(repo)})");
        Console.WriteLine($"peak memory: {(ChildProcess.HasGnuTime ? "GNU time max RSS for (a) and (b)" : "VmHWM polled every 10 ms for (a) and (b)")}; bench process VmHWM during (c)");
        Console.WriteLine($"rounds: {rounds} (figures are medians), threads for (b) and (c): {threads}; (c) repeats passes until {MinDecodeSeconds} s and reports the time per pass");
        Console.WriteLine();

        var corpora = new List<Corpus>();
        if (corpusDir.Length > 0)
        {
            corpora.Add(new Corpus($"given: {corpusDir}", EvtxFiles(corpusDir), null));
        }
        else
        {
            corpora.Add(new Corpus("SigmaHQ regression_data (as shipped)", EvtxFiles(Path.Combine(sigma, "regression_data")), null));
            Corpus? dense = Dense(sizeMb, fileCount, seed, args.Contains("--regenerate"));
            if (dense is null)
            {
                return 2;
            }

            corpora.Add(dense);
        }

        HashSet<string>? firstRules = null;
        int status = 0;
        for (int i = 0; i < corpora.Count; i++)
        {
            HashSet<string>? fired = Measure(i + 1, corpora[i], setup, firstRules, ref status);
            firstRules ??= fired;
        }

        return status;
    }

    private sealed record Setup(string Evtxexport, string Dotnet, string Cli, string[] Rules, string? Placeholders, int Threads, int Rounds)
    {
        public List<string> ScanArgs(IEnumerable<string> inputs, string format = "csv", string output = "/dev/null")
        {
            List<string> a = [Cli, "scan", .. inputs];
            foreach (string r in Rules)
            {
                a.Add("--rules");
                a.Add(r);
            }

            if (Placeholders is not null)
            {
                a.Add("--placeholders");
                a.Add(Placeholders);
            }

            a.AddRange(["--format", format, "--output", output, "--no-progress", "--threads", Threads.ToString(CultureInfo.InvariantCulture)]);
            return a;
        }
    }

    /// <summary>A set of .evtx files; <paramref name="Expected"/> holds the generator's record counts when known.</summary>
    private sealed record Corpus(string Name, List<string> Files, Dictionary<string, long>? Expected, string? Note = null);

    private static HashSet<string>? Measure(int number, Corpus corpus, Setup s, HashSet<string>? firstRules, ref int status)
    {
        long bytes = corpus.Files.Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"== corpus {number}: {corpus.Name}");
        if (corpus.Note is not null)
        {
            Console.WriteLine(corpus.Note);
        }

        if (corpus.Files.Count == 0)
        {
            Console.WriteLine("no .evtx files");
            status = 2;
            return null;
        }

        // Verification, which also warms the page cache: evtxexport and Yamori must count the same records in every file.
        long records = 0, exportPeak = 0;
        var mismatches = new List<string>();
        foreach (string f in corpus.Files)
        {
            long exported = 0;
            ChildResult r = ChildProcess.Run(s.Evtxexport, ["-f", "xml", f], stdout: o => exported = CountEvents(o));
            exportPeak = Math.Max(exportPeak, r.PeakRssBytes);
            long decoded = DecoderRuns.Sequential([f]);
            records += decoded;
            long? expected = corpus.Expected?.GetValueOrDefault(Path.GetFileName(f));
            if (r.ExitCode != 0 || exported != decoded || (expected is not null && expected != decoded))
            {
                mismatches.Add($"{f}: evtxexport {exported} (exit {r.ExitCode}), yamori {decoded}" + (expected is null ? string.Empty : $", written {expected}"));
            }
        }

        Console.WriteLine($"{corpus.Files.Count} files, {bytes / 1e6:F1} MB ({bytes:N0} bytes), {records:N0} records");
        if (mismatches.Count == 0)
        {
            Console.WriteLine($"verified: evtxexport and Yamori's decoder report the same record count for every file{(corpus.Expected is null ? string.Empty : ", equal to the count written")}");
        }
        else
        {
            status = 1;
            Console.WriteLine($"MISMATCH in {mismatches.Count} files:");
            foreach (string m in mismatches.Take(10))
            {
                Console.WriteLine("  " + m);
            }
        }

        // One untimed scan writes its detections (JSON Lines) to see which rules fire; it also warms the runtime's files.
        string detections = Path.Combine(Path.GetTempPath(), $"yamori-bench-detections-{Environment.ProcessId}-{number}.jsonl");
        ChildResult check = ChildProcess.Run(s.Dotnet, s.ScanArgs(corpus.Files, "jsonl", detections), captureStderr: true, measureMemory: false);
        (int rowCount, HashSet<string> fired) = ReadDetections(detections);
        File.Delete(detections);
        Summary checkSummary = Summary.Parse(check.Stderr);
        string empty = Directory.CreateTempSubdirectory("yamori-bench-empty-").FullName;

        // (c) once untimed, so the timed rounds see steady-state (tiered) code.
        foreach ((string _, Func<IReadOnlyList<string>, int, long> run) in DecoderRuns.All)
        {
            run(corpus.Files, s.Threads);
        }

        var a = new Series("(a)  evtxexport -f xml, one process per file, stdout to /dev/null");
        var b = new Series("(b)  yamori scan, whole process (start, rule load, scan, exit)");
        var bScan = new Series("(b)  yamori scan, scan part (time in its summary)");
        var bLoad = new Series("     yamori scan of an empty folder (start + rule load)");
        var c = DecoderRuns.All.Select(d => new Series((d.Name.Contains("Fill", StringComparison.Ordinal) ? "(c+) " : "(c)  ") + d.Name.Replace(" n ", $" {s.Threads} ", StringComparison.Ordinal).Replace("(n)", $"({s.Threads})", StringComparison.Ordinal))).ToArray();
        long scanPeak = 0, loadPeak = 0, decodePeak = 0, decodeBase = 0;
        bool hwmReset = true;
        Summary last = checkSummary;
        string loop = "s=0; for f do \"$0\" -f xml \"$f\" > /dev/null || s=1; done; exit $s";
        for (int round = 0; round < s.Rounds; round++)
        {
            ChildResult ra = ChildProcess.Run("/bin/sh", ["-c", loop, s.Evtxexport, .. corpus.Files], measureMemory: false);
            a.Add(ra.Wall.TotalSeconds);

            ChildResult rb = ChildProcess.Run(s.Dotnet, s.ScanArgs(corpus.Files), captureStderr: true);
            b.Add(rb.Wall.TotalSeconds);
            scanPeak = Math.Max(scanPeak, rb.PeakRssBytes);
            last = Summary.Parse(rb.Stderr);
            bScan.Add(last.Seconds);

            ChildResult re = ChildProcess.Run(s.Dotnet, s.ScanArgs([empty]), captureStderr: true);
            bLoad.Add(re.Wall.TotalSeconds);
            loadPeak = Math.Max(loadPeak, re.PeakRssBytes);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            hwmReset &= ResetPeak();
            decodeBase = Math.Max(decodeBase, ChildProcess.StatusField("/proc/self/status", "VmRSS:"));
            for (int i = 0; i < c.Length; i++)
            {
                // A small corpus decodes in milliseconds: passes repeat until half a second has passed, and the time is per pass.
                var sw = Stopwatch.StartNew();
                long n;
                int passes = 0;
                do
                {
                    n = DecoderRuns.All[i].Run(corpus.Files, s.Threads);
                    passes++;
                }
                while (sw.Elapsed.TotalSeconds < MinDecodeSeconds);
                c[i].Add(sw.Elapsed.TotalSeconds / passes);
                if (n != records)
                {
                    Console.WriteLine($"WARNING: {DecoderRuns.All[i].Name} counted {n:N0} records, expected {records:N0}");
                }
            }

            decodePeak = Math.Max(decodePeak, hwmReset ? ChildProcess.StatusField("/proc/self/status", "VmHWM:") : Process.GetCurrentProcess().PeakWorkingSet64);
        }

        Directory.Delete(empty);
        var scanMinusLoad = new Series("(b)  yamori scan, whole process − empty-folder run");
        scanMinusLoad.Add(b.Median - bLoad.Median);

        Console.WriteLine();
        Console.WriteLine($"{"",-66} {"median s",9} {"min–max s",17} {"records/s",12} {"MB/s",8} {"peak RSS",10}");
        Row(a, records, bytes, exportPeak, "largest of the per-file processes");
        Row(b, last.Events ?? records, bytes, scanPeak, null);
        Row(bScan, last.Events ?? records, bytes, null, null);
        Row(scanMinusLoad, last.Events ?? records, bytes, null, null);
        Row(bLoad, null, null, loadPeak, null);
        foreach (Series cs in c)
        {
            Row(cs, records, bytes, null, null);
        }

        Console.WriteLine($"{"",-66} peak RSS of this bench process during (c): {Mb(decodePeak)} " +
            (hwmReset ? $"(VmHWM reset before (c); RSS was {Mb(decodeBase)} then)" : "(since process start: /proc/self/clear_refs could not reset it)"));
        Console.WriteLine();
        Console.WriteLine("speed ratios, time(a) / time(x): above 1 means faster than evtxexport");
        Console.WriteLine($"  b/a  whole process {a.Median / b.Median,6:F2}   scan part only {a.Median / bScan.Median,6:F2}   whole − empty-folder run {a.Median / scanMinusLoad.Median,6:F2}");
        Console.WriteLine("  c/a  " + string.Join("   ", c.Select((cs, i) => $"{ShortName(i)} {a.Median / cs.Median:F2}")));
        Console.WriteLine();
        Console.WriteLine($"yamori scan: {last.Events?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} events scanned, {last.RulesLine ?? "rules: ?"}; " +
            $"{rowCount:N0} detections by {fired.Count} distinct rules (exit code {check.ExitCode})");
        if (firstRules is not null)
        {
            int both = firstRules.Count(fired.Contains);
            Console.WriteLine($"  of the {firstRules.Count} rules that fire on corpus 1, {both} fire here too");
        }

        if (check.ExitCode is not (0 or 1))
        {
            Console.WriteLine("  yamori scan reported a problem:");
            foreach (string line in check.Stderr.Split('\n').Where(l => l.StartsWith("yamori scan:", StringComparison.Ordinal) || l.StartsWith("failed:", StringComparison.Ordinal)).Take(10))
            {
                Console.WriteLine("    " + line);
            }
        }

        Console.WriteLine();
        return fired;
    }

    private static string ShortName(int i) => i switch
    {
        0 => "1 thread",
        1 => "RecordsParallel",
        2 => "chunk-parallel",
        3 => "decode+XML 1 thread",
        _ => "decode+Fill chunk-parallel",
    };

    private static void Row(Series s, long? records, long? bytes, long? peak, string? peakNote)
    {
        double m = s.Median;
        // Millisecond resolution hides a tiny corpus's decode times: show more digits below 10 ms.
        string f = m < 0.01 ? "F5" : "F3";
        string range = s.Count > 1 ? $"{s.Min.ToString(f, CultureInfo.InvariantCulture)}–{s.Max.ToString(f, CultureInfo.InvariantCulture)}" : string.Empty;
        string rps = records is { } r && m > 0 ? (r / m).ToString("N0", CultureInfo.InvariantCulture) : string.Empty;
        string mbs = bytes is { } b && m > 0 ? (b / 1e6 / m).ToString("F1", CultureInfo.InvariantCulture) : string.Empty;
        string rss = peak is { } p ? Mb(p) : string.Empty;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Label,-66} {m.ToString(f, CultureInfo.InvariantCulture),9} {range,17} {rps,12} {mbs,8} {rss,10}") + (peakNote is null ? string.Empty : $"  ({peakNote})"));
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F0} MB");

    /// <summary>Resets this process's VmHWM to its current RSS (Linux ≥ 4.0), so the next peak is (c)'s.</summary>
    private static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Counts <c>&lt;Event </c> (the root element; EventData/EventID do not match) in evtxexport's XML as it streams.</summary>
    private static long CountEvents(Stream s)
    {
        ReadOnlySpan<byte> pattern = "<Event "u8;
        byte[] buf = new byte[1 << 16];
        int carry = 0;
        long n = 0;
        int read;
        while ((read = s.Read(buf, carry, buf.Length - carry)) > 0)
        {
            int len = carry + read;
            Span<byte> span = buf.AsSpan(0, len);
            int at = 0, i;
            while ((i = span[at..].IndexOf(pattern)) >= 0)
            {
                n++;
                at += i + pattern.Length;
            }

            // Keep a tail that could start a match split across reads (but not one already counted).
            carry = Math.Min(pattern.Length - 1, len - at);
            buf.AsSpan(len - carry, carry).CopyTo(buf);
        }

        return n;
    }

    private static (int Rows, HashSet<string> Rules) ReadDetections(string path)
    {
        var rules = new HashSet<string>(StringComparer.Ordinal);
        int rows = 0;
        if (!File.Exists(path))
        {
            return (0, rules);
        }

        foreach (string line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            rows++;
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("rule_id", out JsonElement id) && id.GetString() is { } s)
            {
                rules.Add(s);
            }
        }

        return (rows, rules);
    }

    private static List<string> EvtxFiles(string dir) =>
        Directory.Exists(dir)
            ? [.. Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".evtx", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)]
            : [];

    private static Corpus? Dense(int sizeMb, int files, int seed, bool regenerate)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"yamori-bench-dense-v{DenseCorpus.Version}-{sizeMb}mb-{files}f-seed{seed}");
        string manifest = Path.Combine(dir, "manifest.txt");
        string how;
        if (!regenerate && File.Exists(manifest))
        {
            how = "reused from an earlier run (--regenerate to rebuild)";
        }
        else
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }

            // Generated in a child process, so this process's peak memory is the decoder's, not the generator's.
            var sw = Stopwatch.StartNew();
            List<string> self = Self();
            ChildResult g = ChildProcess.Run(self[0], [.. self.Skip(1), "scan-vs-libevtx", "--generate-into", dir, "--size-mb", $"{sizeMb}", "--files", $"{files}", "--seed", $"{seed}"], measureMemory: false);
            if (g.ExitCode != 0 || !File.Exists(manifest))
            {
                Console.Error.WriteLine($"scan-vs-libevtx: generating the dense corpus failed (exit {g.ExitCode})");
                return null;
            }

            how = $"generated in {sw.Elapsed.TotalSeconds:F1} s";
        }

        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        string info = string.Empty;
        foreach (string line in File.ReadLines(manifest))
        {
            string[] p = line.Split('\t');
            if (p[0] == "file")
            {
                expected[p[1]] = long.Parse(p[2], CultureInfo.InvariantCulture);
            }
            else if (p[0] == "info")
            {
                info = p[1];
            }
        }

        return new Corpus(
            $"dense, generated from the regression records ({sizeMb} MiB in {files} files, seed {seed})",
            EvtxFiles(dir),
            expected,
            $"{dir}: {how}; {info}");
    }

    private static int GenerateChild(string sigma, string dir, int sizeMb, int files, int seed)
    {
        DenseCorpus.Result r = DenseCorpus.Generate(sigma, dir, files, (long)sizeMb * 1024 * 1024, seed);
        long total = r.Files.Sum(f => f.Records);
        var lines = new List<string> { $"version\t{DenseCorpus.Version}" };
        lines.AddRange(r.Files.Select(f => string.Create(CultureInfo.InvariantCulture, $"file\t{Path.GetFileName(f.Path)}\t{f.Records}")));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"info\t{total:N0} records written, {r.Originals:N0} of them regression records as recorded ({100.0 * r.Originals / Math.Max(1, total):F1}%), {r.Shapes} templates, {r.Skipped} regression records not reproducible"));
        File.WriteAllLines(Path.Combine(dir, "manifest.txt"), lines);
        return 0;
    }

    /// <summary>How to start this bench again: the apphost, or dotnet plus this assembly.</summary>
    private static List<string> Self()
    {
        string host = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, typeof(ScanVsLibevtxCommand).Assembly.Location] : [host];
    }

    /// <summary>The Release CLI, built first when it is missing.</summary>
    private static string? EnsureCli(string repo, string dotnet)
    {
        string dll = Path.Combine(repo, "src", "Yamori.Cli", "bin", "Release", "net10.0", "yamori.dll");
        if (!File.Exists(dll))
        {
            Console.WriteLine($"building the Release CLI ({dll} is missing)…");
            ChildResult r = ChildProcess.Run(dotnet, ["build", "-c", "Release", Path.Combine(repo, "src", "Yamori.Cli"), "-v", "q", "-nologo"], measureMemory: false);
            if (r.ExitCode != 0 || !File.Exists(dll))
            {
                Console.Error.WriteLine("scan-vs-libevtx: building src/Yamori.Cli failed");
                return null;
            }
        }

        return dll;
    }

    private static string? Placeholders(string repo)
    {
        string p = Path.Combine(repo, "config", "placeholders.example.yml");
        return File.Exists(p) ? p : null;
    }

    private static string Version(string program, string flag)
    {
        try
        {
            var psi = new ProcessStartInfo(program, flag) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using Process p = Process.Start(psi)!;
            string text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "?";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    private static string Git(string repo)
    {
        try
        {
            var psi = new ProcessStartInfo("git", ["-C", repo, "describe", "--always", "--dirty"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using Process p = Process.Start(psi)!;
            string text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return text.Length > 0 ? text : "?";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    /// <summary>Timings of one measurement over the rounds.</summary>
    private sealed class Series(string label)
    {
        private readonly List<double> _values = [];

        public string Label { get; } = label;

        public int Count => _values.Count;

        public double Min => _values.Min();

        public double Max => _values.Max();

        public double Median
        {
            get
            {
                List<double> v = [.. _values.Order()];
                return v.Count % 2 == 1 ? v[v.Count / 2] : (v[(v.Count / 2) - 1] + v[v.Count / 2]) / 2;
            }
        }

        public void Add(double seconds) => _values.Add(seconds);
    }

    /// <summary>What yamori scan's summary (stderr) says.</summary>
    private sealed partial record Summary(long? Events, double Seconds, string? RulesLine)
    {
        public static Summary Parse(string stderr)
        {
            Match events = EventsPattern().Match(stderr);
            Match time = TimePattern().Match(stderr);
            Match rules = RulesPattern().Match(stderr);
            return new Summary(
                events.Success ? long.Parse(events.Groups[1].Value.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture) : null,
                time.Success ? double.Parse(time.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
                rules.Success ? rules.Value.Trim() : null);
        }

        [GeneratedRegex(@"events scanned: ([\d,]+)")]
        private static partial Regex EventsPattern();

        [GeneratedRegex(@"time: ([\d.]+) s")]
        private static partial Regex TimePattern();

        [GeneratedRegex(@"rules: [^\n]*")]
        private static partial Regex RulesPattern();
    }
}
