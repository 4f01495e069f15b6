using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Yamori.Agent.Linux.Logon;

/// <summary>
/// One glibc <c>struct utmp</c> record as stored in wtmp and btmp on x86_64 and aarch64
/// (384 bytes, 32-bit <c>ut_tv</c>).
/// </summary>
internal readonly record struct UtmpRecord(
    short Type,
    int Pid,
    string Line,
    string Id,
    string User,
    string Host,
    int Session,
    DateTimeOffset Time,
    IPAddress? Address)
{
    public const int Size = 384;

    public const short LoginProcess = 6;
    public const short UserProcess = 7;
    public const short DeadProcess = 8;

    /// <summary>Decodes one record; <paramref name="record"/> must be exactly <see cref="Size"/> bytes.</summary>
    public static UtmpRecord Parse(ReadOnlySpan<byte> record)
    {
        if (record.Length != Size)
        {
            throw new ArgumentException($"a utmp record is {Size} bytes, not {record.Length}", nameof(record));
        }

        short type = BinaryPrimitives.ReadInt16LittleEndian(record);
        int pid = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
        string line = Text(record.Slice(8, 32));
        string id = Text(record.Slice(40, 4));
        string user = Text(record.Slice(44, 32));
        string host = Text(record.Slice(76, 256));
        int session = BinaryPrimitives.ReadInt32LittleEndian(record[336..]);
        uint seconds = BinaryPrimitives.ReadUInt32LittleEndian(record[340..]);
        int micros = BinaryPrimitives.ReadInt32LittleEndian(record[344..]);
        DateTimeOffset time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(Math.Clamp(micros, 0, 999_999) * 10L);
        return new UtmpRecord(type, pid, line, id, user, host, session, time, DecodeAddress(record.Slice(348, 16)));
    }

    /// <summary>ut_addr_v6: an IPv4 address in the first word (the rest zero) or a full IPv6 address; none when all zero.</summary>
    private static IPAddress? DecodeAddress(ReadOnlySpan<byte> addr)
    {
        if (!addr.ContainsAnyExcept((byte)0))
        {
            return null;
        }

        return !addr[4..].ContainsAnyExcept((byte)0) ? new IPAddress(addr[..4]) : new IPAddress(addr);
    }

    private static string Text(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? field[..nul] : field);
    }
}
