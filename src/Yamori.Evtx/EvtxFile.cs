using System.Buffers;
using System.Collections.Concurrent;
using Yamori.Evtx.Decoding;

namespace Yamori.Evtx;

/// <summary>One decoded chunk: its records in file order and what was found wrong with it.</summary>
public sealed record EvtxChunk(int Index, long FileOffset, IReadOnlyList<EvtxRecord> Records, IReadOnlyList<EvtxDiagnostic> Diagnostics);

/// <summary>
/// An EVTX file. Records stream chunk by chunk (<see cref="Records"/>) or are decoded on several
/// threads and still yielded in file order (<see cref="RecordsParallel"/>). Damage never throws
/// out of an enumeration: every skipped byte range is reported in <see cref="Diagnostics"/>.
/// Memory stays bounded by the chunks in flight, whatever the file size. Run one enumeration
/// at a time per instance (open the file again for concurrent passes).
/// </summary>
public sealed class EvtxFile : IDisposable
{
    private const int ChunkSize = EvtxChunkHeader.ChunkSize;
    private const int HeaderBlock = EvtxFileHeader.Size;

    private readonly ChunkSource _source;
    private readonly List<EvtxDiagnostic> _headerDiagnostics = [];
    private readonly List<EvtxDiagnostic> _chunkDiagnostics = [];
    private readonly Lock _lock = new();

    // Decoders (and their name/template tables) are reused across files: opening many small files stays cheap.
    private static readonly ConcurrentBag<ChunkDecoder> Decoders = [];
    private readonly bool _countKnown;
    private bool _enumerated;

    private EvtxFile(ChunkSource source, string? path)
    {
        _source = source;
        Path = path;
        byte[] buf = ArrayPool<byte>.Shared.Rent(HeaderBlock);
        try
        {
            int n = ReadSafely(0, buf.AsSpan(0, HeaderBlock), _headerDiagnostics);
            ReadOnlySpan<byte> h = buf.AsSpan(0, n);
            Header = EvtxFileHeader.TryParse(h);
            Check(h.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }

        _countKnown = Header is not null;
    }

    /// <summary>Opens a file for reading (shared with writers, as live logs are).</summary>
    public static EvtxFile Open(string path) => new(new FileSource(path), path);

    /// <summary>Reads from a stream. A non-seekable stream is read forward once.</summary>
    public static EvtxFile FromStream(Stream stream, bool leaveOpen = false) => new(new StreamSource(stream, leaveOpen), null);

    /// <summary>Reads a file already in memory (no copy).</summary>
    public static EvtxFile FromBytes(ReadOnlyMemory<byte> data) => new(new MemorySource(data), null);

    public string? Path { get; }

    /// <summary>The file header, or null when the file has none.</summary>
    public EvtxFileHeader? Header { get; }

    /// <summary>File length in bytes (-1 for a non-seekable stream).</summary>
    public long Length => _source.Length;

    /// <summary>Number of 64 KiB chunk slots after the header, from the file length (-1 when unknown).</summary>
    public int ChunkSlotCount => _source.Length < 0 ? -1 : (int)Math.Min(int.MaxValue, Math.Max(0, (_source.Length - HeaderBlock + ChunkSize - 1) / ChunkSize));

    /// <summary>
    /// File-level findings, then those of the chunks decoded so far by the current (or last)
    /// enumeration, in file order.
    /// </summary>
    public IReadOnlyList<EvtxDiagnostic> Diagnostics
    {
        get
        {
            lock (_lock)
            {
                return [.. _headerDiagnostics, .. _chunkDiagnostics];
            }
        }
    }

    /// <summary>All records, decoding one chunk at a time on the calling thread.</summary>
    public IEnumerable<EvtxRecord> Records(CancellationToken cancellationToken = default)
    {
        BeginEnumeration();
        for (int i = 0; ; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!TryReadSlot(i, out ReadOnlyMemory<byte> data, out byte[]? rented, out EvtxChunk? failed))
            {
                if (failed is not null)
                {
                    AddDiagnostics(failed);
                }

                yield break;
            }

            EvtxChunk chunk;
            try
            {
                chunk = Decode(i, data);
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }

            AddDiagnostics(chunk);
            foreach (EvtxRecord r in chunk.Records)
            {
                yield return r;
            }
        }
    }

    /// <summary>
    /// All records in file order, with chunks decoded on up to <paramref name="maxDegreeOfParallelism"/>
    /// threads (0: one per processor). At most about twice that many chunks are held at once.
    /// </summary>
    public IEnumerable<EvtxRecord> RecordsParallel(int maxDegreeOfParallelism = 0, CancellationToken cancellationToken = default)
    {
        int dop = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;

        // One chunk gains nothing from threads; scanners parallelise across files instead.
        return dop == 1 || ChunkSlotCount is 0 or 1 ? Records(cancellationToken) : RecordsParallelCore(dop, cancellationToken);
    }

    private IEnumerable<EvtxRecord> RecordsParallelCore(int dop, CancellationToken cancellationToken)
    {
        BeginEnumeration();
        var pipeline = new ChunkPipeline(Decode, dop);
        int window = (2 * dop) + 2;
        int next = 0;
        bool end = false;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Reads stay on this thread, in order (streams need it); decoding fans out.
                while (!end && pipeline.Count < window)
                {
                    if (!TryReadSlot(next, out ReadOnlyMemory<byte> data, out byte[]? rented, out EvtxChunk? failed))
                    {
                        // A read error is reported after the chunks before it, in file order.
                        if (failed is not null)
                        {
                            pipeline.AddDone(failed);
                        }

                        end = true;
                        break;
                    }

                    pipeline.Add(next++, data, rented);
                }

                if (pipeline.Count == 0)
                {
                    yield break;
                }

                EvtxChunk chunk = pipeline.TakeHead();
                AddDiagnostics(chunk);
                foreach (EvtxRecord r in chunk.Records)
                {
                    yield return r;
                }
            }
        }
        finally
        {
            // Finished or abandoned: unstarted chunks give their buffers back, running ones finish.
            pipeline.Drain();
        }
    }

    /// <summary>
    /// Decodes the chunk in slot <paramref name="index"/> (thread-safe; for callers that schedule
    /// chunks themselves). Its diagnostics are returned, not added to <see cref="Diagnostics"/>.
    /// </summary>
    public EvtxChunk DecodeChunk(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var diags = new List<EvtxDiagnostic>();
        byte[] buf = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long offset = HeaderBlock + ((long)index * ChunkSize);
            ReadOnlyMemory<byte> data;
            if (!_source.TryGetMemory(offset, ChunkSize, out data))
            {
                int n = ReadSafely(offset, buf.AsSpan(0, ChunkSize), diags);
                data = buf.AsMemory(0, n);
            }

            EvtxChunk chunk = Decode(index, data);
            return diags.Count == 0 ? chunk : chunk with { Diagnostics = [.. diags, .. chunk.Diagnostics] };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    public void Dispose() => _source.Dispose();

    private EvtxChunk Decode(int index, ReadOnlyMemory<byte> data)
    {
        long offset = HeaderBlock + ((long)index * ChunkSize);
        var records = new List<EvtxRecord>(data.Length == 0 ? 0 : 128);
        var diags = new List<EvtxDiagnostic>();
        if (data.Length > 0)
        {
            if (!Decoders.TryTake(out ChunkDecoder? decoder))
            {
                decoder = new ChunkDecoder();
            }

            bool beyond = _countKnown && index >= Header!.ChunkCount;
            decoder.Decode(data, index, offset, beyond, _countKnown, records, diags);
            Decoders.Add(decoder);
        }

        return new EvtxChunk(index, offset, records, diags);
    }

    /// <summary>Reads slot <paramref name="index"/>; false at the end of the file or on a read error (then <paramref name="failed"/> reports it).</summary>
    private bool TryReadSlot(int index, out ReadOnlyMemory<byte> data, out byte[]? rented, out EvtxChunk? failed)
    {
        rented = null;
        data = default;
        failed = null;
        long offset = HeaderBlock + ((long)index * ChunkSize);
        if (_source.Length >= 0 && offset >= _source.Length)
        {
            return false;
        }

        if (_source.TryGetMemory(offset, ChunkSize, out data))
        {
            return data.Length > 0;
        }

        rented = ArrayPool<byte>.Shared.Rent(ChunkSize);
        List<EvtxDiagnostic> diags = [];
        int n = ReadSafely(offset, rented.AsSpan(0, ChunkSize), diags);
        if (n == 0)
        {
            ArrayPool<byte>.Shared.Return(rented);
            rented = null;
            failed = diags.Count > 0 ? new EvtxChunk(index, offset, [], diags) : null;
            return false;
        }

        data = rented.AsMemory(0, n);
        return true;
    }

    private int ReadSafely(long offset, Span<byte> dest, List<EvtxDiagnostic> diags)
    {
        try
        {
            return _source.ReadAt(offset, dest);
        }
        catch (IOException ex)
        {
            diags.Add(new EvtxDiagnostic(EvtxDiagnosticKind.IoError, EvtxSeverity.Error, offset < HeaderBlock ? -1 : (int)((offset - HeaderBlock) / ChunkSize), offset, ex.Message));
            return 0;
        }
        catch (UnauthorizedAccessException ex)
        {
            diags.Add(new EvtxDiagnostic(EvtxDiagnosticKind.IoError, EvtxSeverity.Error, -1, offset, ex.Message));
            return 0;
        }
    }

    private void BeginEnumeration()
    {
        lock (_lock)
        {
            if (_enumerated && !_source.CanRewind)
            {
                throw new InvalidOperationException("this EVTX file comes from a non-seekable stream and was already enumerated");
            }

            _enumerated = true;
            _chunkDiagnostics.Clear();
        }
    }

    private void AddDiagnostics(EvtxChunk chunk)
    {
        if (chunk.Diagnostics.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _chunkDiagnostics.AddRange(chunk.Diagnostics);
        }
    }

    private void Check(int readLength)
    {
        void Add(EvtxDiagnosticKind kind, EvtxSeverity severity, long offset, string message) =>
            _headerDiagnostics.Add(new EvtxDiagnostic(kind, severity, -1, offset, message));

        if (Header is null)
        {
            Add(EvtxDiagnosticKind.FileHeaderInvalid, EvtxSeverity.Error, 0, readLength < 128
                ? $"file holds {readLength} bytes, too few for an EVTX header; scanning for chunks anyway"
                : "no ElfFile signature; scanning for chunks anyway");
            return;
        }

        if (!Header.ChecksumValid)
        {
            Add(EvtxDiagnosticKind.FileHeaderChecksum, EvtxSeverity.Warning, 124,
                $"file header checksum 0x{Header.StoredChecksum:x8} != computed 0x{Header.ComputedChecksum:x8}");
        }

        if (Header.IsDirty)
        {
            Add(EvtxDiagnosticKind.FileDirty, EvtxSeverity.Info, 120,
                "the dirty flag is set (log not closed cleanly); chunks past the header's count are read too");
        }

        if (_source.Length >= 0)
        {
            long slots = ChunkSlotCount;
            if (slots < Header.ChunkCount)
            {
                Add(EvtxDiagnosticKind.FileTruncated, EvtxSeverity.Warning, _source.Length,
                    $"header declares {Header.ChunkCount} chunks; the file holds {slots}");
            }
        }
    }
}
