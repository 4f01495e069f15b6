using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Yamori.Agent.Spool;

/// <summary>
/// The on-disk frame of every spool record and journal entry: a 24-byte header (magic, payload
/// length, append counter, payload CRC-32C, header CRC-32C) and the payload. The header has its own
/// CRC so that a damaged payload can be skipped by its (trusted) length, while a damaged header
/// makes the reader search for the next valid frame instead of following a wrong length.
/// </summary>
internal static class SpoolFrame
{
    public const int HeaderSize = 24;

    /// <summary>The largest record <see cref="SegmentSpool.Append"/> takes; no wire event comes near it.</summary>
    public const int MaxPayload = 16 << 20;

    /// <summary>
    /// A length past this in a header is damage, not data. Journal snapshots may exceed
    /// <see cref="MaxPayload"/> (a very large backlog of cut batches), so the bound is wider.
    /// </summary>
    private const uint MaxFrameLength = int.MaxValue - HeaderSize;

    private const uint RecordMagic = 0x31525359; // "YSR1"
    private const uint TombstoneMagic = 0x31545359; // "YST1": a damaged region already counted
    private const int ScanWindow = 64 << 10;

    public static void WriteHeader(Span<byte> destination, int length, ulong counter, uint payloadCrc) =>
        WriteHeader(destination, RecordMagic, length, counter, payloadCrc);

    /// <summary>Builds a whole record frame in <paramref name="destination"/> (header + payload).</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> payload, ulong counter)
    {
        payload.CopyTo(destination[HeaderSize..]);
        WriteHeader(destination, RecordMagic, payload.Length, counter, Crc32C.Compute(payload));
        return HeaderSize + payload.Length;
    }

    public static bool TryParseHeader(ReadOnlySpan<byte> header, out FrameHeader parsed)
    {
        parsed = default;
        if (header.Length < HeaderSize)
        {
            return false;
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if ((magic != RecordMagic && magic != TombstoneMagic)
            || BinaryPrimitives.ReadUInt32LittleEndian(header[20..]) != Crc32C.Compute(header[..20]))
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length > MaxFrameLength)
        {
            return false;
        }

        parsed = new FrameHeader(
            magic == TombstoneMagic,
            (int)length,
            BinaryPrimitives.ReadUInt64LittleEndian(header[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(header[16..]));
        return true;
    }

    /// <summary>Checks the frame at <paramref name="offset"/>: header, completeness and payload CRC.</summary>
    public static FrameStatus Check(SafeFileHandle file, long offset, long fileLength, out FrameHeader header)
    {
        header = default;
        if (offset >= fileLength)
        {
            return FrameStatus.End;
        }

        Span<byte> raw = stackalloc byte[HeaderSize];
        if (fileLength - offset < HeaderSize
            || ReadExactly(file, raw, offset) < HeaderSize
            || !TryParseHeader(raw, out header)
            || offset + HeaderSize + (long)header.Length > fileLength)
        {
            return FrameStatus.Damaged;
        }

        if (header.Tombstone)
        {
            return FrameStatus.Ok;
        }

        return PayloadCrc(file, offset + HeaderSize, header.Length) == header.PayloadCrc ? FrameStatus.Ok : FrameStatus.BadPayload;
    }

    /// <summary>Offset of the next frame that checks out at or after <paramref name="from"/>, or -1.</summary>
    public static long FindNext(SafeFileHandle file, long from, long fileLength)
    {
        byte[] window = ArrayPool<byte>.Shared.Rent(ScanWindow);
        try
        {
            for (long pos = from; fileLength - pos >= HeaderSize;)
            {
                int n = ReadExactly(file, window.AsSpan(0, (int)Math.Min(ScanWindow, fileLength - pos)), pos);
                for (int i = 0; i + 4 <= n; i++)
                {
                    uint magic = BinaryPrimitives.ReadUInt32LittleEndian(window.AsSpan(i));
                    if ((magic == RecordMagic || magic == TombstoneMagic) && Check(file, pos + i, fileLength, out _) == FrameStatus.Ok)
                    {
                        return pos + i;
                    }
                }

                if (n < HeaderSize)
                {
                    break;
                }

                pos += n - 3; // a magic may straddle two windows
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(window);
        }
    }

    /// <summary>Marks a damaged region so later opens skip it without counting it again.</summary>
    public static void WriteTombstone(SafeFileHandle file, long offset, long regionLength)
    {
        Span<byte> raw = stackalloc byte[HeaderSize];
        WriteHeader(raw, TombstoneMagic, (int)(regionLength - HeaderSize), 0, 0);
        RandomAccess.Write(file, raw, offset);
    }

    public static int ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = RandomAccess.Read(file, buffer[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static uint PayloadCrc(SafeFileHandle file, long offset, int length)
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(Math.Min(length, ScanWindow) + 1);
        try
        {
            uint state = Crc32C.Start;
            for (int done = 0; done < length;)
            {
                int n = ReadExactly(file, chunk.AsSpan(0, Math.Min(length - done, chunk.Length)), offset + done);
                if (n == 0)
                {
                    return ~Crc32C.Finish(state); // short file: cannot match
                }

                state = Crc32C.Append(state, chunk.AsSpan(0, n));
                done += n;
            }

            return Crc32C.Finish(state);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static void WriteHeader(Span<byte> destination, uint magic, int length, ulong counter, uint payloadCrc)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, magic);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)length);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], counter);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], payloadCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], Crc32C.Compute(destination[..20]));
    }
}

internal readonly record struct FrameHeader(bool Tombstone, int Length, ulong Counter, uint PayloadCrc)
{
    public long FrameLength => SpoolFrame.HeaderSize + (long)Length;
}

internal enum FrameStatus
{
    Ok,
    End,

    /// <summary>Header good, frame complete, payload CRC wrong: skip by the header's length.</summary>
    BadPayload,

    /// <summary>Header unreadable or frame cut short: the length cannot be trusted.</summary>
    Damaged,
}
