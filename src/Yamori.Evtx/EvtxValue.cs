using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Yamori.Evtx.Rendering;

namespace Yamori.Evtx;

/// <summary>
/// One typed BinXML value. Fixed-size values live inline (two 64-bit words), so decoding an
/// integer, GUID or timestamp allocates nothing; strings, binary data, SIDs, arrays and nested
/// BinXML carry one reference.
/// </summary>
public readonly struct EvtxValue : IEquatable<EvtxValue>
{
    private readonly object? _ref;
    private readonly ulong _lo;
    private readonly ulong _hi;

    private EvtxValue(EvtxValueType type, ulong lo, ulong hi = 0, object? reference = null)
    {
        Type = type;
        _lo = lo;
        _hi = hi;
        _ref = reference;
    }

    /// <summary>The value type as stored in the file (arrays keep the 0x80 bit).</summary>
    public EvtxValueType Type { get; }

    public static EvtxValue Null => default;

    public bool IsNull => Type == EvtxValueType.Null;

    public bool IsArray => ((int)Type & 0x80) != 0;

    /// <summary>True for values that render as nothing (null, empty strings, empty arrays).</summary>
    public bool IsEmpty => Type switch
    {
        EvtxValueType.Null => true,
        EvtxValueType.String or EvtxValueType.AnsiString => ((string)_ref!).Length == 0,
        EvtxValueType.BinXml => ((EvtxNode[])_ref!).Length == 0,
        _ => IsArray && ((EvtxValue[])_ref!).Length == 0,
    };

    public static EvtxValue FromString(string text) => new(EvtxValueType.String, 0, 0, text);

    public static EvtxValue FromAnsiString(string text) => new(EvtxValueType.AnsiString, 0, 0, text);

    /// <summary>A signed integer of type Int8/Int16/Int32/Int64.</summary>
    public static EvtxValue FromInt64(EvtxValueType type, long value) => new(type, unchecked((ulong)value));

    /// <summary>An unsigned integer of type UInt8…UInt64, HexInt32/64, SizeT (width in bytes in <c>hi</c>) or EvtHandle.</summary>
    public static EvtxValue FromUInt64(EvtxValueType type, ulong value, int width = 8) => new(type, value, (ulong)width);

    public static EvtxValue FromReal32(float value) => new(EvtxValueType.Real32, BitConverter.SingleToUInt32Bits(value));

    public static EvtxValue FromReal64(double value) => new(EvtxValueType.Real64, BitConverter.DoubleToUInt64Bits(value));

    public static EvtxValue FromBool(bool value) => new(EvtxValueType.Bool, value ? 1UL : 0UL);

    public static EvtxValue FromBinary(byte[] data, EvtxValueType type = EvtxValueType.Binary) => new(type, 0, 0, data);

    public static EvtxValue FromGuid(Guid value)
    {
        Span<byte> b = stackalloc byte[16];
        value.TryWriteBytes(b);
        return new(EvtxValueType.Guid, BinaryPrimitives.ReadUInt64LittleEndian(b), BinaryPrimitives.ReadUInt64LittleEndian(b[8..]));
    }

    /// <summary>A FILETIME: 100 ns intervals since 1601-01-01 UTC.</summary>
    public static EvtxValue FromFileTime(ulong fileTime) => new(EvtxValueType.FileTime, fileTime);

    /// <summary>A SYSTEMTIME kept as its raw 16 bytes (it may be invalid in a damaged file).</summary>
    public static EvtxValue FromSystemTime(ReadOnlySpan<byte> raw16) =>
        new(EvtxValueType.SystemTime, BinaryPrimitives.ReadUInt64LittleEndian(raw16), BinaryPrimitives.ReadUInt64LittleEndian(raw16[8..]));

    /// <summary>A SID, already in its S-R-A-S… form.</summary>
    public static EvtxValue FromSid(string text) => new(EvtxValueType.Sid, 0, 0, text);

    public static EvtxValue FromArray(EvtxValueType itemType, EvtxValue[] items) => new(itemType | EvtxValueType.ArrayFlag, 0, 0, items);

    /// <summary>Nested BinXML (type 0x21), already expanded into nodes.</summary>
    public static EvtxValue FromBinXml(EvtxNode[] nodes) => new(EvtxValueType.BinXml, 0, 0, nodes);

    /// <summary>The text of String/AnsiString/Sid values; null for other types.</summary>
    public string? AsString => Type is EvtxValueType.String or EvtxValueType.AnsiString or EvtxValueType.Sid ? (string)_ref! : null;

    /// <summary>Signed integer types, sign-extended.</summary>
    public long AsInt64 => unchecked((long)_lo);

    /// <summary>Unsigned and hexadecimal integer types, bool (0/1) and FILETIME.</summary>
    public ulong AsUInt64 => _lo;

    public double AsDouble => Type == EvtxValueType.Real32 ? BitConverter.UInt32BitsToSingle((uint)_lo) : BitConverter.UInt64BitsToDouble(_lo);

    public bool AsBool => _lo != 0;

    /// <summary>Byte width of SizeT and EvtHandle values (4 or 8).</summary>
    public int Width => (int)_hi;

    public Guid AsGuid
    {
        get
        {
            Span<byte> b = stackalloc byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(b, _lo);
            BinaryPrimitives.WriteUInt64LittleEndian(b[8..], _hi);
            return new Guid(b);
        }
    }

    /// <summary>Binary data (Binary, EvtXml and undecodable values).</summary>
    public ReadOnlyMemory<byte> AsBinary => _ref as byte[] ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>Array items (empty unless <see cref="IsArray"/>).</summary>
    public ReadOnlySpan<EvtxValue> Items => _ref is EvtxValue[] items ? items : ReadOnlySpan<EvtxValue>.Empty;

    /// <summary>Nested BinXML nodes (empty unless Type is BinXml).</summary>
    public IReadOnlyList<EvtxNode> Nodes => _ref as EvtxNode[] ?? [];

    internal EvtxNode[] NodeArray => _ref as EvtxNode[] ?? [];

    /// <summary>The raw 16 bytes of a SYSTEMTIME.</summary>
    internal void GetSystemTime(Span<byte> raw16)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(raw16, _lo);
        BinaryPrimitives.WriteUInt64LittleEndian(raw16[8..], _hi);
    }

    /// <summary>Returns the value as a UTC date for FILETIME and (valid) SYSTEMTIME values.</summary>
    public bool TryGetDateTime(out DateTime utc) => ValueFormatter.TryGetDateTime(this, out utc);

    /// <summary>The value as Windows renders it in event XML (unescaped).</summary>
    public override string ToString() => ValueFormatter.ToText(this, ValueStyle.Windows);

    /// <summary>The value as the <c>evtx_dump</c> JSON output renders it as text (strings without trailing whitespace).</summary>
    public string ToJsonText() => ValueFormatter.ToText(this, ValueStyle.EvtxDump);

    public bool Equals(EvtxValue other)
    {
        if (Type != other.Type || _lo != other._lo || _hi != other._hi)
        {
            return false;
        }

        return (_ref, other._ref) switch
        {
            (null, null) => true,
            (string a, string b) => a == b,
            (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
            (EvtxValue[] a, EvtxValue[] b) => a.AsSpan().SequenceEqual(b),
            _ => ReferenceEquals(_ref, other._ref),
        };
    }

    public override bool Equals(object? obj) => obj is EvtxValue v && Equals(v);

    public override int GetHashCode() => HashCode.Combine(Type, _lo, _hi, _ref is string s ? s.GetHashCode(StringComparison.Ordinal) : 0);

    public static bool operator ==(EvtxValue left, EvtxValue right) => left.Equals(right);

    public static bool operator !=(EvtxValue left, EvtxValue right) => !left.Equals(right);

    internal static string Utf16(ReadOnlySpan<byte> bytes)
    {
        // Copying the code units keeps lone surrogates as they are (Encoding.Unicode would replace them).
        return BitConverter.IsLittleEndian
            ? new string(MemoryMarshal.Cast<byte, char>(bytes[..(bytes.Length & ~1)]))
            : System.Text.Encoding.Unicode.GetString(bytes[..(bytes.Length & ~1)]);
    }
}
