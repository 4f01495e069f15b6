using System.Buffers.Binary;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.SpoolCrashDriver;

/// <summary>The crash test's record: its number, then filler derived from it (checked on the way back).</summary>
public static class CrashRecord
{
    public const int Size = 120;

    public static EventPriority PriorityOf(ulong n) => n % 10 == 0 ? EventPriority.Alert : n % 3 == 0 ? EventPriority.Low : EventPriority.Normal;

    public static void Write(Span<byte> record, ulong n)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(record, n);
        for (int i = 8; i < record.Length; i++)
        {
            record[i] = (byte)(n * 31 + (ulong)i);
        }
    }

    public static ulong NumberOf(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadUInt64LittleEndian(record);

    public static bool IsIntact(ReadOnlySpan<byte> record)
    {
        if (record.Length != Size)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[Size];
        Write(expected, NumberOf(record));
        return record.SequenceEqual(expected);
    }
}
