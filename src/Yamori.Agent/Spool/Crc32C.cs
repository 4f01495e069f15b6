using System.Buffers.Binary;
using System.Numerics;

namespace Yamori.Agent.Spool;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of every spool frame. <see cref="BitOperations.Crc32C(uint, ulong)"/>
/// uses the CPU's crc32 instruction (SSE4.2, ARMv8) and falls back to software elsewhere, so no
/// package and no table of our own is needed.
/// </summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    public const uint Start = uint.MaxValue;

    public static uint Finish(uint state) => ~state;

    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }
}
