using System.Buffers.Binary;
using System.Globalization;

namespace Yamori.Evtx.Decoding;

/// <summary>
/// Decodes one 64 KiB chunk: verifies its header and checksums, walks its records, and recovers
/// what it can from damage (resynchronising on the next valid record signature), reporting
/// every skipped byte range. Not thread-safe: use one instance per thread.
/// </summary>
internal sealed class ChunkDecoder
{
    private const uint RecordSignature = 0x00002a2a;
    private const int RecordHeaderSize = 24;
    private const int MinRecordSize = RecordHeaderSize + 4;

    private readonly ChunkContext _ctx = new();

    /// <param name="chunk">The chunk's bytes (shorter than 64 KiB when the file is truncated).</param>
    /// <param name="beyondHeaderCount">The slot lies past the file header's chunk count.</param>
    /// <param name="countKnown">The file header was readable (so empty slots inside its count are worth reporting).</param>
    public void Decode(ReadOnlyMemory<byte> chunk, int index, long fileOffset, bool beyondHeaderCount, bool countKnown, List<EvtxRecord> records, List<EvtxDiagnostic> diags)
    {
        var d = new Diag(diags, index, fileOffset);
        try
        {
            DecodeCore(chunk, index, fileOffset, beyondHeaderCount, countKnown, records, d);
        }
        catch (Exception ex)
        {
            // Defensive: the walkers report damage themselves; anything else must not escape either.
            d.Add(EvtxDiagnosticKind.ChunkHeaderInvalid, EvtxSeverity.Error, 0, "chunk could not be decoded: " + ex.Message);
        }
        finally
        {
            _ctx.Reset(ReadOnlyMemory<byte>.Empty);
        }
    }

    private void DecodeCore(ReadOnlyMemory<byte> chunk, int index, long fileOffset, bool beyondHeaderCount, bool countKnown, List<EvtxRecord> records, Diag d)
    {
        ReadOnlySpan<byte> c = chunk.Span;
        bool allZero = c.IndexOfAnyExcept((byte)0) < 0;
        if (allZero)
        {
            if (countKnown && !beyondHeaderCount)
            {
                d.Add(EvtxDiagnosticKind.ChunkEmpty, EvtxSeverity.Warning, 0, "chunk is zero-filled; no records");
            }

            return;
        }

        if (c.Length < EvtxChunkHeader.ChunkSize)
        {
            d.Add(EvtxDiagnosticKind.FileTruncated, EvtxSeverity.Warning, c.Length,
                $"file ends {c.Length} bytes into this chunk; records past the end are lost");
        }

        _ctx.Reset(chunk);
        int before = records.Count;
        if (c.Length < EvtxChunkHeader.Size || !EvtxChunkHeader.HasSignature(c))
        {
            d.Add(EvtxDiagnosticKind.ChunkHeaderInvalid, EvtxSeverity.Error, 0,
                beyondHeaderCount ? "data past the last chunk without a chunk signature; scanning it for records" : "no chunk signature; scanning the chunk for records");
            Walk(c, 0, c.Length, index, fileOffset, records, d, out _);
            ReportRecovered(records.Count - before, d);
            return;
        }

        EvtxChunkHeader h = EvtxChunkHeader.Parse(c);
        if (!h.HeaderChecksumValid)
        {
            d.Add(EvtxDiagnosticKind.ChunkHeaderChecksum, EvtxSeverity.Warning, 0,
                $"chunk header checksum 0x{h.StoredHeaderChecksum:x8} != computed 0x{h.ComputedHeaderChecksum:x8}; header fields are not trusted");
        }

        if (beyondHeaderCount)
        {
            d.Add(EvtxDiagnosticKind.ChunkBeyondHeaderCount, EvtxSeverity.Info, 0,
                "chunk lies past the file header's chunk count (dirty or partially written file); its records are returned");
        }

        int limit = c.Length;
        if (h.FreeSpaceOffset >= EvtxChunkHeader.Size && h.FreeSpaceOffset <= (uint)c.Length)
        {
            limit = (int)h.FreeSpaceOffset;
            uint crc = Crc32.Compute(c[EvtxChunkHeader.Size..limit]);
            if (crc != h.StoredRecordsChecksum)
            {
                d.Add(EvtxDiagnosticKind.ChunkRecordsChecksum, EvtxSeverity.Warning, EvtxChunkHeader.Size,
                    $"event records checksum 0x{h.StoredRecordsChecksum:x8} != computed 0x{crc:x8}; returning the records that decode");
            }
        }
        else
        {
            d.Add(EvtxDiagnosticKind.ChunkHeaderInvalid, EvtxSeverity.Warning, 48,
                $"free space offset 0x{h.FreeSpaceOffset:x} is invalid; scanning the whole chunk");
        }

        Walk(c, EvtxChunkHeader.Size, limit, index, fileOffset, records, d, out int undecodable);

        ulong declared = h.HeaderChecksumValid ? h.DeclaredRecordCount : 0;
        ulong found = (ulong)(records.Count - before + undecodable);
        if (found < declared)
        {
            d.Add(EvtxDiagnosticKind.RecordsMissing, EvtxSeverity.Warning, EvtxChunkHeader.Size,
                $"header declares {declared} records (ids {h.FirstRecordId}..{h.LastRecordId}); {found} found");
        }
    }

    private static void ReportRecovered(int n, Diag d) =>
        d.Add(EvtxDiagnosticKind.ChunkHeaderInvalid, EvtxSeverity.Info, 0, n.ToString(CultureInfo.InvariantCulture) + " intact records recovered by scanning");

    private void Walk(ReadOnlySpan<byte> c, int start, int limit, int index, long fileOffset, List<EvtxRecord> records, Diag d, out int undecodable)
    {
        undecodable = 0;
        int pos = start;
        while (pos <= limit - MinRecordSize)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(c[pos..]) != RecordSignature)
            {
                if (c[pos..limit].IndexOfAnyExcept((byte)0) < 0)
                {
                    break; // zero-filled slack after the last record
                }

                pos = Skip(c, pos, pos + 1, limit, d, "bytes without a record signature");
                continue;
            }

            uint size = BinaryPrimitives.ReadUInt32LittleEndian(c[(pos + 4)..]);
            if (!SizeValid(c, pos, size))
            {
                pos = Skip(c, pos, pos + 4, limit, d, $"record with invalid size {size}");
                continue;
            }

            ulong id = BinaryPrimitives.ReadUInt64LittleEndian(c[(pos + 8)..]);
            ulong written = BinaryPrimitives.ReadUInt64LittleEndian(c[(pos + 16)..]);
            try
            {
                _ctx.Instantiator.BeginRecord();
                var reader = new BinXmlReader(c, _ctx, pos + RecordHeaderSize, pos + (int)size - 4, inTemplate: false, depth: 0);
                TNode[] doc = reader.ParseDocument();
                EvtxNode[] nodes = _ctx.Instantiator.Instantiate(doc, [], 0);
                EvtxElement root = FirstElement(nodes) ?? throw new EvtxFormatException("record holds no element");
                records.Add(new EvtxRecord(id, written, index, fileOffset + pos, nodes, root));
            }
            catch (Exception ex)
            {
                undecodable++;
                d.Add(EvtxDiagnosticKind.RecordUndecodable, EvtxSeverity.Error, pos,
                    $"record {id} ({size} bytes) skipped: {ex.Message}");
            }

            pos += (int)size;
        }
    }

    /// <summary>Reports the bytes from <paramref name="pos"/> to the next valid record as skipped; returns where to resume.</summary>
    private static int Skip(ReadOnlySpan<byte> c, int pos, int searchFrom, int limit, Diag d, string what)
    {
        int next = FindRecord(c, searchFrom, limit);
        int end = next < 0 ? limit : next;
        d.Add(EvtxDiagnosticKind.RecordInvalid, EvtxSeverity.Error, pos,
            $"{what}: skipped {end - pos} bytes (chunk offsets 0x{pos:x}..0x{end:x})" + (next < 0 ? "; no further record in this chunk" : string.Empty));
        return next < 0 ? limit : next;
    }

    private static bool SizeValid(ReadOnlySpan<byte> c, int pos, uint size) =>
        size >= MinRecordSize && size <= (uint)(c.Length - pos) &&
        BinaryPrimitives.ReadUInt32LittleEndian(c[(pos + (int)size - 4)..]) == size;

    /// <summary>The next offset holding a record signature whose size and size copy agree, or -1.</summary>
    internal static int FindRecord(ReadOnlySpan<byte> c, int from, int limit)
    {
        ReadOnlySpan<byte> sig = [0x2a, 0x2a, 0x00, 0x00];
        int p = from;
        while (p <= limit - MinRecordSize)
        {
            int i = c[p..limit].IndexOf(sig);
            if (i < 0)
            {
                return -1;
            }

            p += i;
            if (p > limit - MinRecordSize)
            {
                return -1;
            }

            if (SizeValid(c, p, BinaryPrimitives.ReadUInt32LittleEndian(c[(p + 4)..])))
            {
                return p;
            }

            p++;
        }

        return -1;
    }

    private static EvtxElement? FirstElement(EvtxNode[] nodes)
    {
        foreach (EvtxNode n in nodes)
        {
            if (n is EvtxElement e)
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>Adds diagnostics with absolute file offsets.</summary>
    private readonly struct Diag(List<EvtxDiagnostic> list, int chunk, long fileOffset)
    {
        public void Add(EvtxDiagnosticKind kind, EvtxSeverity severity, int chunkOffset, string message) =>
            list.Add(new EvtxDiagnostic(kind, severity, chunk, fileOffset + chunkOffset, message));
    }
}
