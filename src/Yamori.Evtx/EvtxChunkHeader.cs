using System.Buffers.Binary;
using Yamori.Evtx.Decoding;

namespace Yamori.Evtx;

/// <summary>The 512-byte header of a 64 KiB chunk ("ElfChnk"), with both checksums verified.</summary>
public readonly record struct EvtxChunkHeader(
    ulong FirstRecordNumber,
    ulong LastRecordNumber,
    ulong FirstRecordId,
    ulong LastRecordId,
    uint HeaderSize,
    uint LastRecordOffset,
    uint FreeSpaceOffset,
    uint StoredRecordsChecksum,
    uint StoredHeaderChecksum,
    uint ComputedHeaderChecksum)
{
    public const int ChunkSize = 65536;
    public const int Size = 512;

    private static ReadOnlySpan<byte> Signature => "ElfChnk\0"u8;

    public bool HeaderChecksumValid => StoredHeaderChecksum == ComputedHeaderChecksum;

    /// <summary>Records the header claims the chunk holds (0 when the numbers are inconsistent).</summary>
    public ulong DeclaredRecordCount =>
        LastRecordNumber >= FirstRecordNumber && LastRecordNumber - FirstRecordNumber < ChunkSize ? LastRecordNumber - FirstRecordNumber + 1 : 0;

    internal static bool HasSignature(ReadOnlySpan<byte> chunk) => chunk.Length >= 8 && chunk[..8].SequenceEqual(Signature);

    /// <summary>Parses a chunk header; the caller checks the signature first.</summary>
    public static EvtxChunkHeader Parse(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length < Size)
        {
            throw new ArgumentException("a chunk header is 512 bytes", nameof(chunk));
        }

        // The header checksum covers bytes 0..120 and 128..512 (it skips the flags and itself).
        uint crc = Crc32.Append(Crc32.Compute(chunk[..120]), chunk[128..Size]);
        return new EvtxChunkHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(chunk[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(chunk[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(chunk[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(chunk[32..]),
            BinaryPrimitives.ReadUInt32LittleEndian(chunk[40..]),
            BinaryPrimitives.ReadUInt32LittleEndian(chunk[44..]),
            BinaryPrimitives.ReadUInt32LittleEndian(chunk[48..]),
            BinaryPrimitives.ReadUInt32LittleEndian(chunk[52..]),
            BinaryPrimitives.ReadUInt32LittleEndian(chunk[124..]),
            crc);
    }
}
