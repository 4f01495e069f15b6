using System.Buffers.Binary;
using Yamori.Evtx.Decoding;

namespace Yamori.Evtx;

/// <summary>The 4096-byte EVTX file header ("ElfFile").</summary>
public sealed record EvtxFileHeader(
    ulong FirstChunkNumber,
    ulong LastChunkNumber,
    ulong NextRecordId,
    uint HeaderSize,
    ushort MinorVersion,
    ushort MajorVersion,
    ushort HeaderBlockSize,
    ushort ChunkCount,
    uint Flags,
    uint StoredChecksum,
    uint ComputedChecksum)
{
    public const int Size = 4096;

    /// <summary>Bytes covered by the header checksum.</summary>
    internal const int ChecksummedLength = 120;

    private static ReadOnlySpan<byte> Signature => "ElfFile\0"u8;

    public bool IsDirty => (Flags & 0x1) != 0;

    public bool IsFull => (Flags & 0x2) != 0;

    public bool ChecksumValid => StoredChecksum == ComputedChecksum;

    internal static bool HasSignature(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(Signature);

    /// <summary>Parses the header; null when <paramref name="data"/> is too short or lacks the signature.</summary>
    public static EvtxFileHeader? TryParse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 128 || !HasSignature(data))
        {
            return null;
        }

        return new EvtxFileHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(data[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(data[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(data[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[32..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[36..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[38..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[40..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[42..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[120..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[124..]),
            Crc32.Compute(data[..ChecksummedLength]));
    }
}
