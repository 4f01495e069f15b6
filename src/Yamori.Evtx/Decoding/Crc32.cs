using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ArmCrc = System.Runtime.Intrinsics.Arm.Crc32;

namespace Yamori.Evtx.Decoding;

/// <summary>
/// CRC-32 as in RFC 1952 (reflected polynomial 0xEDB88320), the checksum EVTX uses for the
/// file header, chunk headers and event-record data. Every chunk's records are checksummed, so
/// this sits on the hot path: carry-less multiplication folding on x86 (Intel's PCLMULQDQ
/// method, zlib's constants), the CRC32 instructions on ARM64, slice-by-8 tables otherwise.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            t[i] = c;
        }

        for (int i = 0; i < 256; i++)
        {
            for (int s = 1; s < 8; s++)
            {
                uint prev = t[((s - 1) * 256) + i];
                t[(s * 256) + i] = (prev >> 8) ^ t[prev & 0xFF];
            }
        }

        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC over more data (pass the previous result; 0 to start).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        if (Pclmulqdq.IsSupported && Sse2.IsSupported && data.Length >= 64)
        {
            int folded = data.Length & ~15;
            c = Fold(data[..folded], c);
            data = data[folded..];
        }
        else if (ArmCrc.Arm64.IsSupported)
        {
            while (data.Length >= 8)
            {
                c = ArmCrc.Arm64.ComputeCrc32(c, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
        }

        return ~Table8(c, data);
    }

    /// <summary>Table-only CRC (the reference the vector paths are tested against).</summary>
    internal static uint ComputeScalar(ReadOnlySpan<byte> data) => ~Table8(0xFFFFFFFF, data);

    /// <summary>Folds 64 bytes per step with carry-less multiplies; <paramref name="data"/>: at least 64 bytes, a multiple of 16.</summary>
    private static uint Fold(ReadOnlySpan<byte> data, uint c)
    {
        Vector128<ulong> k1k2 = Vector128.Create(0x0154442bd4UL, 0x01c6e41596UL);
        Vector128<ulong> k3k4 = Vector128.Create(0x01751997d0UL, 0x00ccaa009eUL);
        Vector128<ulong> k5k0 = Vector128.Create(0x0163cd6124UL, 0UL);
        Vector128<ulong> poly = Vector128.Create(0x01db710641UL, 0x01f7011641UL);
        Vector128<ulong> mask32 = Vector128.Create(0xFFFFFFFFu, 0u, 0xFFFFFFFFu, 0u).AsUInt64();

        Vector128<ulong> x1 = Load(data, 0) ^ Vector128.CreateScalar(c).AsUInt64();
        Vector128<ulong> x2 = Load(data, 16);
        Vector128<ulong> x3 = Load(data, 32);
        Vector128<ulong> x4 = Load(data, 48);
        int i = 64;
        for (; data.Length - i >= 64; i += 64)
        {
            x1 = Pclmulqdq.CarrylessMultiply(x1, k1k2, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k1k2, 0x00) ^ Load(data, i);
            x2 = Pclmulqdq.CarrylessMultiply(x2, k1k2, 0x11) ^ Pclmulqdq.CarrylessMultiply(x2, k1k2, 0x00) ^ Load(data, i + 16);
            x3 = Pclmulqdq.CarrylessMultiply(x3, k1k2, 0x11) ^ Pclmulqdq.CarrylessMultiply(x3, k1k2, 0x00) ^ Load(data, i + 32);
            x4 = Pclmulqdq.CarrylessMultiply(x4, k1k2, 0x11) ^ Pclmulqdq.CarrylessMultiply(x4, k1k2, 0x00) ^ Load(data, i + 48);
        }

        x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x00) ^ x2;
        x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x00) ^ x3;
        x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x00) ^ x4;
        for (; data.Length - i >= 16; i += 16)
        {
            x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x00) ^ Load(data, i);
        }

        // 128 -> 64 bits, then Barrett reduction to 32.
        x1 = Sse2.ShiftRightLogical128BitLane(x1.AsByte(), 8).AsUInt64() ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x10);
        Vector128<ulong> x2b = Sse2.ShiftRightLogical128BitLane(x1.AsByte(), 4).AsUInt64();
        x1 = Pclmulqdq.CarrylessMultiply(x1 & mask32, k5k0, 0x00) ^ x2b;
        Vector128<ulong> t = Pclmulqdq.CarrylessMultiply(x1 & mask32, poly, 0x10) & mask32;
        x1 ^= Pclmulqdq.CarrylessMultiply(t, poly, 0x00);
        return x1.AsUInt32().GetElement(1);
    }

    private static Vector128<ulong> Load(ReadOnlySpan<byte> data, int at) => Vector128.Create(data.Slice(at, 16)).AsUInt64();

    private static uint Table8(uint c, ReadOnlySpan<byte> data)
    {
        uint[] t = Table;
        int i = 0;
        while (data.Length - i >= 8)
        {
            uint one = BinaryPrimitives.ReadUInt32LittleEndian(data[i..]) ^ c;
            uint two = BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            c = t[(7 * 256) + (one & 0xFF)] ^ t[(6 * 256) + ((one >> 8) & 0xFF)] ^
                t[(5 * 256) + ((one >> 16) & 0xFF)] ^ t[(4 * 256) + (one >> 24)] ^
                t[(3 * 256) + (two & 0xFF)] ^ t[(2 * 256) + ((two >> 8) & 0xFF)] ^
                t[256 + ((two >> 16) & 0xFF)] ^ t[two >> 24];
            i += 8;
        }

        for (; i < data.Length; i++)
        {
            c = t[(c ^ data[i]) & 0xFF] ^ (c >> 8);
        }

        return c;
    }
}
