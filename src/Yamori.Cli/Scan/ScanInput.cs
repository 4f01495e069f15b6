using Yamori.Evtx;

namespace Yamori.Cli.Scan;

/// <summary>A file to scan: an EVTX log (decoded chunk by chunk) or JSON events (EVTX twins, JSON Lines).</summary>
internal sealed class ScanInput : IDisposable
{
    public required string Path { get; init; }

    public bool IsEvtx { get; init; }

    public long Length { get; init; }

    public EvtxFile? Evtx { get; set; }

    /// <summary>Why the file could not be read at all; null when it was read.</summary>
    public string? Failure { get; set; }

    /// <summary>Damage found while reading (file-level and per chunk), one line each.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Some records could not be recovered.</summary>
    public bool LostData { get; set; }

    public long Events { get; set; }

    public void Dispose() => Evtx?.Dispose();

    /// <summary>Expands files and folders (recursively) into scan inputs; returns what it could not read.</summary>
    public static List<ScanInput> Discover(IEnumerable<string> paths, List<(string File, string Reason)> failed)
    {
        var inputs = new List<ScanInput>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                IEnumerable<string> files;
                try
                {
                    files = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).Order(StringComparer.Ordinal).ToList();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    failed.Add((path, ex.Message));
                    continue;
                }

                foreach (string f in files)
                {
                    if (Kind(f) is { } evtx)
                    {
                        Add(inputs, f, evtx, failed);
                    }
                }
            }
            else if (File.Exists(path))
            {
                // A file named explicitly is read even with an unusual extension: sniffed as EVTX or JSON.
                Add(inputs, path, Kind(path) ?? Sniff(path), failed);
            }
            else
            {
                failed.Add((path, "no such file or folder"));
            }
        }

        return inputs;
    }

    private static bool? Kind(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".evtx" => true,
        ".json" or ".jsonl" or ".ndjson" => false,
        _ => null,
    };

    private static bool Sniff(string path)
    {
        try
        {
            using FileStream fs = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[8];
            return fs.Read(magic) == 8 && magic.SequenceEqual("ElfFile\0"u8);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void Add(List<ScanInput> inputs, string path, bool evtx, List<(string File, string Reason)> failed)
    {
        try
        {
            inputs.Add(new ScanInput { Path = path, IsEvtx = evtx, Length = new FileInfo(path).Length });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failed.Add((path, ex.Message));
        }
    }
}
