using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Yamori.Cloud.Audit;

/// <summary>
/// The hash that chains audit entries. Version 1 of the canonical encoding, which never changes
/// once entries exist (a new encoding needs a new version string):
/// <code>
/// hash = SHA-256( field("yamori-audit-v1")
///                 || field(sequence) || field(at ticks)
///                 || field(actor id) || field(actor name) || field(actor kind) || field(actor role)
///                 || field(tenant) || field(action) || field(target type) || field(target id)
///                 || field(outcome) || field(remote address)
///                 || field(before) || field(after) || field(detail)
///                 || field(previous hash) )
///
/// field(null)  = 0x00
/// field(value) = 0x01 || uint32 big-endian length of bytes || bytes
///   strings: UTF-8; integers (sequence, ticks, kind, role, outcome): int64 big-endian (8 bytes);
///   tenant: the 16-byte GUID blob as stored; previous hash: its 32 bytes.
/// </code>
/// Every field carries a presence byte and a length, in a fixed order, so no two different entries
/// share an encoding (no "ab"+"c" = "a"+"bc", no null = empty). The first entry's previous hash is
/// 32 zero bytes (<see cref="Genesis"/>). The hash is unkeyed: it reveals any change that was not
/// followed by rewriting every later entry. Anchor the head hash outside the database (the
/// verification result prints it) to catch that, and a cut tail, too.
/// </summary>
internal static class AuditHash
{
    public const int Length = 32;

    private const string Version = "yamori-audit-v1";

    public static byte[] Genesis { get; } = new byte[Length];

    public static byte[] Compute(long sequence, long atTicks, AuditRecord r, byte[] previousHash)
    {
        using var buffer = new MemoryStream(256);
        Text(buffer, Version);
        Integer(buffer, sequence);
        Integer(buffer, atTicks);
        Text(buffer, r.ActorId);
        Text(buffer, r.ActorName);
        Integer(buffer, (long)r.ActorKind);
        Integer(buffer, r.ActorRole is { } role ? (long)role : null);
        BytesOrNull(buffer, r.Tenant is { } tenant ? tenant.Value.ToByteArray() : null);
        Text(buffer, r.Action);
        Text(buffer, r.TargetType);
        Text(buffer, r.TargetId);
        Integer(buffer, (long)r.Outcome);
        Text(buffer, r.RemoteAddress);
        Text(buffer, r.Before);
        Text(buffer, r.After);
        Text(buffer, r.Detail);
        BytesOrNull(buffer, previousHash);
        return SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static void Text(MemoryStream buffer, string? value) => BytesOrNull(buffer, value is null ? null : Encoding.UTF8.GetBytes(value));

    private static void Integer(MemoryStream buffer, long? value)
    {
        if (value is not { } v)
        {
            buffer.WriteByte(0);
            return;
        }

        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, v);
        Bytes(buffer, bytes);
    }

    private static void Bytes(MemoryStream buffer, ReadOnlySpan<byte> value)
    {
        buffer.WriteByte(1);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        buffer.Write(length);
        buffer.Write(value);
    }

    private static void BytesOrNull(MemoryStream buffer, byte[]? value)
    {
        if (value is null)
        {
            buffer.WriteByte(0);
            return;
        }

        Bytes(buffer, value.AsSpan());
    }
}
