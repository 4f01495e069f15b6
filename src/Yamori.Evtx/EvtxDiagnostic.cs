using System.Globalization;

namespace Yamori.Evtx;

/// <summary>What went wrong (or was unusual) while reading a file.</summary>
public enum EvtxDiagnosticKind
{
    /// <summary>The file is shorter than a header, or the header signature is missing.</summary>
    FileHeaderInvalid,
    FileHeaderChecksum,
    /// <summary>The header's dirty flag is set: the log was not closed cleanly.</summary>
    FileDirty,
    /// <summary>The file ends inside a chunk.</summary>
    FileTruncated,
    /// <summary>A valid chunk found past the header's chunk count (normal in dirty files); its records are returned.</summary>
    ChunkBeyondHeaderCount,
    /// <summary>A chunk slot without the "ElfChnk" signature; any records found in it by scanning are returned.</summary>
    ChunkHeaderInvalid,
    ChunkHeaderChecksum,
    ChunkRecordsChecksum,
    /// <summary>A chunk slot inside the header's count that is entirely zero.</summary>
    ChunkEmpty,
    /// <summary>Bytes in a chunk that are not a valid record (bad signature, size or size copy) and were skipped.</summary>
    RecordInvalid,
    /// <summary>A record whose framing is intact but whose binary XML could not be decoded; it is skipped.</summary>
    RecordUndecodable,
    /// <summary>The chunk header declares more records than could be read.</summary>
    RecordsMissing,
    /// <summary>Reading the underlying file failed.</summary>
    IoError,
}

public enum EvtxSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// One finding about the file: which chunk (-1 for the file itself), the absolute file offset,
/// and what was skipped or recovered.
/// </summary>
public sealed record EvtxDiagnostic(EvtxDiagnosticKind Kind, EvtxSeverity Severity, int ChunkIndex, long Offset, string Message)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Severity.ToString().ToLowerInvariant()}: {(ChunkIndex < 0 ? "file" : "chunk " + ChunkIndex.ToString(CultureInfo.InvariantCulture))} @0x{Offset:x}: {Kind}: {Message}");
}
