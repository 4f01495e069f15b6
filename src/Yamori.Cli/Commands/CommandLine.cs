namespace Yamori.Cli.Commands;

/// <summary>The <c>yamori</c> command: dispatches to sub-commands and prints usage on mistakes.</summary>
public static class CommandLine
{
    public const string Usage = """
        yamori — Yamori security cloud command line

        usage:
          yamori rules check <dir|file>... [--placeholders FILE]
              load and compile rules, print the loader report; exit 1 if any rule failed
          yamori match --rules <dir|file> [--rules …] [--placeholders FILE] [--logsource product=P,category=C,service=S] <events>...
              run the rules over JSON events (JSON Lines or concatenated objects); print matches as JSON lines
          yamori scan <files or folders>... [--rules DIR]... [--min-level L] [--from T] [--to T] [--format table|csv|jsonl] [--output F] [--threads N]
              offline Sigma triage of .evtx and JSON logs: a timeline of detections and a summary (yamori scan --help)
          yamori evtx dump <files>... [--format jsonl|xml]
              print the decoded records of EVTX files
          yamori up [--data DIR] [--demo] [--api ADDR:PORT] [--agent ADDR:PORT]
              run the cloud (agent stream with mutual TLS, REST API) on the embedded database (yamori up --help)
          yamori audit verify --data DIR
              recompute the audit log's hash chain; exit 1 and the first broken entry if tampered
          yamori totp < secret.txt
              print the current sign-in code for a TOTP secret read from standard input
          yamori demo [--sigmahq DIR]
              load every SigmaHQ rule and replay SigmaHQ's regression events through the engine
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return args switch
            {
                ["rules", "check", .. var rest] => RulesCheckCommand.Run(rest, stdout, stderr),
                ["match", .. var rest] => await MatchCommand.RunAsync(rest, stdout, stderr),
                ["up", .. var rest] when rest.Contains("--help") || rest.Contains("-h") => Print(stdout, UpCommand.Help),
                ["up", .. var rest] => await UpCommand.RunAsync(rest, stdout, stderr),
                ["audit", "verify", .. var rest] => await AuditCommand.VerifyAsync(rest, stdout, stderr),
                ["demo", .. var rest] => DemoCommand.Run(rest, stdout, stderr),
                ["totp"] => TotpCommand.Run(Console.In, stdout, stderr, TimeProvider.System),
                ["scan", .. var rest] when rest.Contains("--help") || rest.Contains("-h") => Print(stdout, ScanCommand.Help),
                ["scan", .. var rest] => ScanCommand.Run(rest, stdout, stderr),
                ["evtx", "dump", .. var rest] => EvtxDumpCommand.Run(rest, stdout, stderr),
                ["--help" or "-h" or "help"] => Help(stdout),
                _ => Fail(stderr, "unknown command"),
            };
        }
        catch (UsageException ex)
        {
            return Fail(stderr, ex.Message);
        }
    }

    private static int Help(TextWriter stdout) => Print(stdout, Usage);

    private static int Print(TextWriter stdout, string text)
    {
        stdout.WriteLine(text);
        return 0;
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"yamori: {message}");
        stderr.WriteLine(Usage);
        return 2;
    }
}

/// <summary>A mistake in the command line, reported with the usage text.</summary>
public sealed class UsageException(string message) : Exception(message)
{
    public UsageException()
        : this("usage error")
    {
    }

    public UsageException(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}
