using Yamori.Evtx;

namespace Yamori.Cli.Commands;

/// <summary><c>yamori evtx dump</c>: decoded records as JSON Lines (the evtx_dump shape) or XML, like evtxexport.</summary>
internal static class EvtxDumpCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = new Options(args, "format");
        string format = options.One("format") ?? "jsonl";
        if (format is not ("jsonl" or "xml"))
        {
            throw new UsageException($"--format: unknown format '{format}' (jsonl, xml)");
        }

        if (options.Positional.Count == 0)
        {
            throw new UsageException("evtx dump needs at least one .evtx file");
        }

        int status = 0;
        foreach (string path in options.Positional)
        {
            EvtxFile file;
            try
            {
                file = EvtxFile.Open(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"{path}: {ex.Message}");
                status = 2;
                continue;
            }

            using (file)
            {
                long records = 0;
                foreach (EvtxRecord record in file.RecordsParallel())
                {
                    records++;
                    stdout.WriteLine(format == "xml" ? record.ToXml(indent: false) : record.ToJson());
                }

                foreach (EvtxDiagnostic d in file.Diagnostics)
                {
                    if (d.Severity != EvtxSeverity.Info)
                    {
                        stderr.WriteLine($"{path}: {d}");
                    }

                    if (d.Severity == EvtxSeverity.Error)
                    {
                        status = 2;
                    }
                }

                if (file.Header is null)
                {
                    stderr.WriteLine($"{path}: not an EVTX file");
                    status = 2;
                }

                stderr.WriteLine($"{path}: {records} records");
            }
        }

        return status;
    }
}
