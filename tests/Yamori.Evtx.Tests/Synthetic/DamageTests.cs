using System.Buffers.Binary;
using static Yamori.Evtx.Tests.Synthetic.Templates;

namespace Yamori.Evtx.Tests.Synthetic;

/// <summary>Checksums, dirty files and damaged chunks: every intact record comes back, every skip is reported.</summary>
public sealed class DamageTests
{
    private static readonly BElement Body = Event(Data("Image", 7, 0x01), Data("Pid", 8, 0x08));

    private static ChunkBuilder Chunk(ulong firstId, int count)
    {
        var c = new ChunkBuilder();
        for (int i = 0; i < count; i++)
        {
            ulong id = firstId + (ulong)i;
            c.AddRecord(id, Instance(Body, SystemValues(1, id), V.Str($"C:\\bin\\tool{id}.exe"), V.U32((uint)id)));
        }

        return c;
    }

    private static List<ulong> Ids(byte[] file, out IReadOnlyList<EvtxDiagnostic> diags) =>
        [.. SyntheticTests.Decode(file, out diags).Select(r => r.RecordId)];

    private static List<ulong> Range(ulong first, int count) => [.. Enumerable.Range(0, count).Select(i => first + (ulong)i)];

    [Fact]
    public void CleanFileHasNoDiagnostics()
    {
        byte[] file = EvtxFileBuilder.Build([Chunk(1, 10).Build(), Chunk(11, 10).Build()]);
        Assert.Equal(Range(1, 20), Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        Assert.Empty(diags);
    }

    [Fact]
    public void BadFileHeaderChecksumIsReportedAndRecordsStillRead()
    {
        byte[] file = EvtxFileBuilder.Build([Chunk(1, 5).Build()]);
        file[124] ^= 0xff;
        Assert.Equal(Range(1, 5), Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        EvtxDiagnostic d = Assert.Single(diags);
        Assert.Equal((EvtxDiagnosticKind.FileHeaderChecksum, -1, 124L), (d.Kind, d.ChunkIndex, d.Offset));
    }

    [Fact]
    public void BadChunkHeaderChecksumIsReported()
    {
        byte[] file = EvtxFileBuilder.Build([Chunk(1, 5).Build()]);
        file[4096 + 124] ^= 0x01;
        Assert.Equal(Range(1, 5), Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        EvtxDiagnostic d = Assert.Single(diags);
        Assert.Equal((EvtxDiagnosticKind.ChunkHeaderChecksum, 0), (d.Kind, d.ChunkIndex));
    }

    [Fact]
    public void BadRecordsChecksumIsReportedAndReadableRecordsReturned()
    {
        byte[] chunk = Chunk(1, 5).Build();
        int at = chunk.AsSpan().LastIndexOf("tool5"u8.ToArray().SelectMany(b => new byte[] { b, 0 }).ToArray());
        chunk[at] = (byte)'X';
        List<EvtxRecord> records = SyntheticTests.Decode(EvtxFileBuilder.Build([chunk]), out IReadOnlyList<EvtxDiagnostic> diags);
        Assert.Equal(Range(1, 5), [.. records.Select(r => r.RecordId)]);
        Assert.Equal("C:\\bin\\Xool5.exe", records[4].Root.Element("EventData")!.Elements().First().Text);
        Assert.Equal(EvtxDiagnosticKind.ChunkRecordsChecksum, Assert.Single(diags).Kind);
    }

    [Fact]
    public void DirtyFileWithChunksPastTheHeaderCount()
    {
        byte[] file = EvtxFileBuilder.Build([Chunk(1, 5).Build(), Chunk(6, 5).Build()], declaredChunks: 1, flags: 1);
        Assert.Equal(Range(1, 10), Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        Assert.Equal(
            [(EvtxDiagnosticKind.FileDirty, -1), (EvtxDiagnosticKind.ChunkBeyondHeaderCount, 1)],
            diags.Select(d => (d.Kind, d.ChunkIndex)));
        Assert.All(diags, d => Assert.Equal(EvtxSeverity.Info, d.Severity));
    }

    [Fact]
    public void DamagedRecordIsSkippedWithItsExactRangeAndTheRestRecovered()
    {
        ChunkBuilder b = Chunk(1, 3);
        byte[] chunk = b.Build();
        // Break record 2's size copy: the framing check fails and the walker resynchronises on record 3.
        int second = FindRecord(chunk, 2);
        int size = BinaryPrimitives.ReadInt32LittleEndian(chunk.AsSpan(second + 4));
        int third = second + size;
        chunk[second + size - 4] ^= 0xff;
        byte[] file = EvtxFileBuilder.Build([Rechecksum(chunk)]);

        Assert.Equal([1UL, 3UL], Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        Assert.Equal([EvtxDiagnosticKind.RecordInvalid, EvtxDiagnosticKind.RecordsMissing], diags.Select(d => d.Kind));
        Assert.Equal(4096L + second, diags[0].Offset);
        Assert.Contains($"skipped {third - second} bytes", diags[0].Message, StringComparison.Ordinal);
        Assert.Contains("declares 3 records (ids 1..3); 2 found", diags[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UndecodableRecordIsReportedAndSkipped()
    {
        byte[] chunk = Chunk(1, 3).Build();
        int second = FindRecord(chunk, 2);
        chunk[second + 24] = 0x77; // not a BinXML token
        byte[] file = EvtxFileBuilder.Build([Rechecksum(chunk)]);
        Assert.Equal([1UL, 3UL], Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        EvtxDiagnostic d = Assert.Single(diags);
        Assert.Equal(EvtxDiagnosticKind.RecordUndecodable, d.Kind);
        Assert.StartsWith("record 2 ", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroedChunkInsideTheHeaderCount()
    {
        byte[] file = EvtxFileBuilder.Build([Chunk(1, 4).Build(), new byte[65536], Chunk(9, 4).Build()]);
        Assert.Equal([.. Range(1, 4), .. Range(9, 4)], Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        EvtxDiagnostic d = Assert.Single(diags);
        Assert.Equal((EvtxDiagnosticKind.ChunkEmpty, 1), (d.Kind, d.ChunkIndex));
    }

    [Fact]
    public void ChunkWithoutSignatureIsScannedForRecords()
    {
        byte[] chunk = Chunk(1, 6).Build();
        chunk.AsSpan(0, 512).Clear(); // header wiped, records intact
        byte[] file = EvtxFileBuilder.Build([chunk]);
        Assert.Equal(Range(1, 6), Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        Assert.Contains(diags, d => d.Kind == EvtxDiagnosticKind.ChunkHeaderInvalid && d.Severity == EvtxSeverity.Error);
        Assert.Contains(diags, d => d.Message.StartsWith("6 intact records recovered", StringComparison.Ordinal));
    }

    [Fact]
    public void TruncatedFileKeepsTheRecordsBeforeTheCut()
    {
        ChunkBuilder b = Chunk(1, 10);
        byte[] full = EvtxFileBuilder.Build([b.Build()]);
        int cut = 4096 + FindRecord(full.AsSpan(4096).ToArray(), 8) + 40;
        byte[] file = full[..cut];
        Assert.Equal(Range(1, 7), Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        Assert.Contains(diags, d => d.Kind == EvtxDiagnosticKind.FileTruncated && d.ChunkIndex == 0);
        Assert.Contains(diags, d => d.Kind == EvtxDiagnosticKind.RecordsMissing || d.Kind == EvtxDiagnosticKind.ChunkRecordsChecksum);
    }

    [Fact]
    public void NotAnEvtxFile()
    {
        Assert.Empty(Ids("hello world"u8.ToArray(), out IReadOnlyList<EvtxDiagnostic> diags));
        Assert.Equal(EvtxDiagnosticKind.FileHeaderInvalid, Assert.Single(diags).Kind);
        Assert.Empty(Ids([], out diags));
    }

    [Fact]
    public void RandomBytesAfterAValidHeader()
    {
        byte[] file = EvtxFileBuilder.Build([new byte[65536], new byte[65536]]);
        new Random(7).NextBytes(file.AsSpan(4096));
        Assert.Empty(Ids(file, out IReadOnlyList<EvtxDiagnostic> diags));
        Assert.All(diags, d => Assert.True(d.ChunkIndex is 0 or 1));
        Assert.Contains(diags, d => d.Kind == EvtxDiagnosticKind.ChunkHeaderInvalid);
    }

    [Fact]
    public void ParallelDecodingYieldsTheSameRecordsAndDiagnosticsInFileOrder()
    {
        var chunks = new List<byte[]>();
        ulong id = 1;
        for (int c = 0; c < 40; c++)
        {
            chunks.Add(c == 13 ? new byte[65536] : Chunk(id, 60).Build());
            id += 60;
        }

        byte[] file = EvtxFileBuilder.Build(chunks, declaredChunks: 30);
        using EvtxFile f = EvtxFile.FromBytes(file);
        List<string> sequential = [.. f.Records().Select(r => r.RecordId + ":" + r.ToJson())];
        IReadOnlyList<EvtxDiagnostic> seqDiags = f.Diagnostics;
        foreach (int threads in new[] { 2, 3, 8 })
        {
            List<string> parallel = [.. f.RecordsParallel(threads).Select(r => r.RecordId + ":" + r.ToJson())];
            Assert.Equal(sequential, parallel);
            Assert.Equal(seqDiags, f.Diagnostics);
        }

        Assert.Equal(39 * 60, sequential.Count);

        // Abandoning a parallel enumeration early must not hang or leak.
        Assert.Equal(5, f.RecordsParallel(4).Take(5).Count());
    }

    [Fact]
    public async Task ParallelEnumerationsOnPoolThreadsDoNotStarve()
    {
        var chunks = new List<byte[]>();
        for (int c = 0; c < 24; c++)
        {
            chunks.Add(Chunk(1 + ((ulong)c * 20), 20).Build());
        }

        byte[] file = EvtxFileBuilder.Build(chunks);

        // Sixteen files at once, each decoded with four helpers, all from thread-pool threads: the
        // consuming threads must make progress without waiting for pool threads to be injected.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int[] counts = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            using EvtxFile f = EvtxFile.FromBytes(file);
            return f.RecordsParallel(4).Count();
        })));
        Assert.All(counts, n => Assert.Equal(480, n));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void StreamsAndFilesDecodeLikeMemory()
    {
        byte[] file = EvtxFileBuilder.Build([Chunk(1, 30).Build(), Chunk(31, 30).Build()]);
        using (EvtxFile f = EvtxFile.FromStream(new ForwardOnlyStream(file)))
        {
            Assert.Equal(Range(1, 60), [.. f.RecordsParallel(2).Select(r => r.RecordId)]);
            Assert.Throws<InvalidOperationException>(() => f.Records().First());
        }

        string path = Path.Combine(Path.GetTempPath(), $"yamori-evtx-{Guid.NewGuid():N}.evtx");
        File.WriteAllBytes(path, file);
        try
        {
            using EvtxFile f = EvtxFile.Open(path);
            Assert.Equal(Range(1, 60), [.. f.Records().Select(r => r.RecordId)]);
            Assert.Equal(Range(31, 30), [.. f.DecodeChunk(1).Records.Select(r => r.RecordId)]);
            Assert.Empty(f.DecodeChunk(5).Records);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadErrorsAreReportedInFileOrderAndEndTheEnumeration()
    {
        byte[] file = EvtxFileBuilder.Build([Chunk(1, 5).Build(), Chunk(6, 5).Build(), Chunk(11, 5).Build(), Chunk(16, 5).Build()]);
        foreach (bool parallel in new[] { false, true })
        {
            using EvtxFile f = EvtxFile.FromStream(new FailingStream(file, failFrom: 4096 + (2 * 65536)));
            List<ulong> ids = [.. (parallel ? f.RecordsParallel(3) : f.Records()).Select(r => r.RecordId)];
            Assert.Equal(Range(1, 10), ids);
            EvtxDiagnostic d = Assert.Single(f.Diagnostics);
            Assert.Equal((EvtxDiagnosticKind.IoError, 2), (d.Kind, d.ChunkIndex));
        }
    }

    internal static int FindRecord(byte[] chunk, ulong id)
    {
        for (int p = 512; p + 24 <= chunk.Length; p++)
        {
            if (chunk[p] == 0x2a && chunk[p + 1] == 0x2a && chunk[p + 2] == 0 && chunk[p + 3] == 0 &&
                BinaryPrimitives.ReadUInt64LittleEndian(chunk.AsSpan(p + 8)) == id)
            {
                return p;
            }
        }

        throw new InvalidOperationException($"record {id} not found");
    }

    /// <summary>Recomputes a chunk's checksums after planting damage, so only the planted problem shows.</summary>
    private static byte[] Rechecksum(byte[] chunk)
    {
        uint free = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(48));
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(52), ChunkBuilder.Crc(chunk.AsSpan(512, (int)free - 512)));
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(124), ChunkBuilder.Crc([.. chunk.AsSpan(0, 120), .. chunk.AsSpan(128, 384)]));
        return chunk;
    }

    /// <summary>A disk that fails past an offset.</summary>
    private sealed class FailingStream(byte[] data, long failFrom) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) =>
            Position >= failFrom ? throw new IOException("simulated read error") : base.Read(buffer);

        public override int Read(byte[] buffer, int offset, int count) =>
            Position >= failFrom ? throw new IOException("simulated read error") : base.Read(buffer, offset, count);
    }

    /// <summary>A stream that cannot seek, like a pipe.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
    }
}
