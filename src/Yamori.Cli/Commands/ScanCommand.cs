using System.Globalization;
using Yamori.Cli.Scan;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Cli.Commands;

/// <summary><c>yamori scan</c>: offline Sigma triage of EVTX collections and JSON exports.</summary>
internal static class ScanCommand
{
    public const int Clean = 0;
    public const int DetectionsFound = 1;
    public const int InputUnreadable = 2;
    public const int UsageError = 3;

    public const string Help = """
        yamori scan <files or folders>... [options]

        Runs Sigma rules over Windows event logs (.evtx, read recursively from folders) and JSON
        exports (.json/.jsonl: evtx_dump output, SigmaHQ regression twins, JSON Lines), and writes a
        time-ordered timeline of detections, then a summary on stderr.

        options:
          --rules DIR          rule folder or file (repeatable); default: SigmaHQ's rules,
                               rules-emerging-threats and rules-threat-hunting under ../shared/data/sigmahq
          --placeholders FILE  values for Sigma 'expand' placeholders
          --min-level LEVEL    informational|low|medium|high|critical (default informational)
          --from TIME          only events at or after TIME (ISO 8601, e.g. 2026-11-01T00:00:00Z)
          --to TIME            only events at or before TIME
          --format FORMAT      table|csv|jsonl (default table)
          --output FILE        write the timeline to FILE instead of stdout
          --threads N          worker threads (default: number of processors)
          --no-progress        never draw the progress bar (it is only drawn on a terminal anyway)

        exit codes:
          0  clean: every input was read and nothing was detected
          1  detections found (at or above --min-level)
          2  some input was unreadable, or records in it could not be recovered (takes precedence over 1)
          3  usage error
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ScanOptions options;
        try
        {
            options = Parse(args);
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"yamori scan: {ex.Message}");
            stderr.WriteLine(Help);
            return UsageError;
        }

        var compile = options.Placeholders is null ? CompileOptions.Default : new CompileOptions { Placeholders = PlaceholderConfig.Load(options.Placeholders) };
        RuleSet rules = RuleLoader.Load(options.RuleDirectories, compile);
        foreach (RuleError e in rules.Errors)
        {
            stderr.WriteLine($"yamori scan: rule not loaded: {e}");
        }

        var scanner = new Scanner(new SigmaEngine(rules), options, stderr);
        bool drawProgress = options.Progress && !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error);
        if (drawProgress)
        {
            scanner.Progress.Attach(stderr);
        }

        List<TimelineRow> rows;
        ScanSummary summary;
        using (scanner.Progress)
        {
            (rows, summary) = scanner.Run();
        }

        if (options.Output is { } path)
        {
            using var file = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
            TimelineWriter.Write(file, rows, options.Format);
        }
        else
        {
            TimelineWriter.Write(stdout, rows, options.Format);
        }

        summary.Write(stderr, rows);
        return summary.FailedFiles.Count > 0 || summary.DamagedFiles > 0 ? InputUnreadable : rows.Count > 0 ? DetectionsFound : Clean;
    }

    private static ScanOptions Parse(string[] args)
    {
        var inputs = new List<string>();
        var rules = new List<string>();
        SigmaLevel minLevel = SigmaLevel.Informational;
        DateTimeOffset? from = null, to = null;
        TimelineFormat format = TimelineFormat.Table;
        string? output = null, placeholders = null;
        int threads = Environment.ProcessorCount;
        bool progress = true;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"option '{a}' needs a value");
            switch (a)
            {
                case "--rules": rules.Add(Value()); break;
                case "--placeholders": placeholders = Value(); break;
                case "--min-level":
                    string level = Value();
                    if (!SigmaLevels.TryParse(level, out minLevel))
                    {
                        throw new UsageException($"--min-level: unknown level '{level}'");
                    }

                    break;
                case "--from": from = Time(a, Value()); break;
                case "--to": to = Time(a, Value()); break;
                case "--format":
                    format = Value() switch
                    {
                        "table" => TimelineFormat.Table,
                        "csv" => TimelineFormat.Csv,
                        "jsonl" => TimelineFormat.Jsonl,
                        var f => throw new UsageException($"--format: unknown format '{f}' (table, csv, jsonl)"),
                    };
                    break;
                case "--output": output = Value(); break;
                case "--threads":
                    if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out threads) || threads < 1)
                    {
                        throw new UsageException("--threads needs a positive number");
                    }

                    break;
                case "--no-progress": progress = false; break;
                case "--help" or "-h": throw new UsageException("help");
                default:
                    if (a.StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"unknown option '{a}'");
                    }

                    inputs.Add(a);
                    break;
            }
        }

        if (inputs.Count == 0)
        {
            throw new UsageException("give at least one file or folder to scan");
        }

        if (rules.Count == 0)
        {
            string? root = SigmaHqLocator.Find() ?? throw new UsageException("no --rules given and SigmaHQ's rules were not found (set YAMORI_SIGMAHQ)");
            rules.AddRange(SigmaHqLocator.DefaultPacks(root));
        }

        return new ScanOptions
        {
            Inputs = inputs,
            RuleDirectories = rules,
            MinLevel = minLevel,
            From = from,
            To = to,
            Format = format,
            Output = output,
            Threads = threads,
            Placeholders = placeholders,
            Progress = progress,
        };
    }

    private static DateTimeOffset Time(string option, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t)
            ? t
            : throw new UsageException($"{option}: '{text}' is not a time (ISO 8601, e.g. 2026-11-01T00:00:00Z)");
}
