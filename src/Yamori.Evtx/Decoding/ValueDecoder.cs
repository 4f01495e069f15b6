using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Yamori.Evtx.Decoding;

/// <summary>Decodes substitution values (and typed value tokens) from their bytes in the chunk.</summary>
internal static class ValueDecoder
{
    public static EvtxValue Decode(ChunkContext ctx, ReadOnlySpan<byte> chunk, EvtxValueType type, int offset, int size, int depth)
    {
        ReadOnlySpan<byte> d = chunk.Slice(offset, size);
        if (((int)type & 0x80) != 0)
        {
            return DecodeArray(type, d);
        }

        switch (type)
        {
            case EvtxValueType.Null:
                return EvtxValue.Null;
            case EvtxValueType.String:
                return EvtxValue.FromString(Utf16UntilNul(d));
            case EvtxValueType.AnsiString:
                return EvtxValue.FromAnsiString(Ansi(d));
            case EvtxValueType.BinXml:
                if (size == 0)
                {
                    return EvtxValue.Null;
                }

                var reader = new BinXmlReader(chunk, ctx, offset, offset + size, inTemplate: false, depth + 1);
                TNode[] nodes = reader.ParseDocument();
                return EvtxValue.FromBinXml(ctx.Instantiator.Instantiate(nodes, [], depth + 1));
            case EvtxValueType.Sid:
                return TrySid(d, out string? sid, out _) ? EvtxValue.FromSid(sid) : Raw(type, d);
            case EvtxValueType.SizeT:
            case EvtxValueType.EvtHandle:
                return d.Length switch
                {
                    4 => EvtxValue.FromUInt64(type, BinaryPrimitives.ReadUInt32LittleEndian(d), 4),
                    8 => EvtxValue.FromUInt64(type, BinaryPrimitives.ReadUInt64LittleEndian(d), 8),
                    _ => Raw(type, d),
                };
            default:
                int width = FixedWidth(type);
                return width > 0 && d.Length >= width ? Scalar(type, d) : Raw(type, d);
        }
    }

    /// <summary>Bytes per item of fixed-size types; 0 for variable-size ones.</summary>
    private static int FixedWidth(EvtxValueType type) => type switch
    {
        EvtxValueType.Int8 or EvtxValueType.UInt8 => 1,
        EvtxValueType.Int16 or EvtxValueType.UInt16 => 2,
        EvtxValueType.Int32 or EvtxValueType.UInt32 or EvtxValueType.Real32 or EvtxValueType.Bool or EvtxValueType.HexInt32 => 4,
        EvtxValueType.Int64 or EvtxValueType.UInt64 or EvtxValueType.Real64 or EvtxValueType.FileTime or EvtxValueType.HexInt64 => 8,
        EvtxValueType.Guid or EvtxValueType.SystemTime => 16,
        _ => 0,
    };

    private static EvtxValue Scalar(EvtxValueType type, ReadOnlySpan<byte> d) => type switch
    {
        EvtxValueType.Int8 => EvtxValue.FromInt64(type, (sbyte)d[0]),
        EvtxValueType.UInt8 => EvtxValue.FromUInt64(type, d[0]),
        EvtxValueType.Int16 => EvtxValue.FromInt64(type, BinaryPrimitives.ReadInt16LittleEndian(d)),
        EvtxValueType.UInt16 => EvtxValue.FromUInt64(type, BinaryPrimitives.ReadUInt16LittleEndian(d)),
        EvtxValueType.Int32 => EvtxValue.FromInt64(type, BinaryPrimitives.ReadInt32LittleEndian(d)),
        EvtxValueType.UInt32 or EvtxValueType.HexInt32 => EvtxValue.FromUInt64(type, BinaryPrimitives.ReadUInt32LittleEndian(d)),
        EvtxValueType.Int64 => EvtxValue.FromInt64(type, BinaryPrimitives.ReadInt64LittleEndian(d)),
        EvtxValueType.UInt64 or EvtxValueType.HexInt64 => EvtxValue.FromUInt64(type, BinaryPrimitives.ReadUInt64LittleEndian(d)),
        EvtxValueType.Real32 => EvtxValue.FromReal32(BinaryPrimitives.ReadSingleLittleEndian(d)),
        EvtxValueType.Real64 => EvtxValue.FromReal64(BinaryPrimitives.ReadDoubleLittleEndian(d)),
        EvtxValueType.Bool => EvtxValue.FromBool(BinaryPrimitives.ReadUInt32LittleEndian(d) != 0),
        EvtxValueType.Guid => EvtxValue.FromGuid(new Guid(d[..16])),
        EvtxValueType.FileTime => EvtxValue.FromFileTime(BinaryPrimitives.ReadUInt64LittleEndian(d)),
        EvtxValueType.SystemTime => EvtxValue.FromSystemTime(d),
        _ => Raw(type, d),
    };

    /// <summary>Undecodable or opaque data keeps its bytes (rendered as hex).</summary>
    private static EvtxValue Raw(EvtxValueType type, ReadOnlySpan<byte> d) =>
        EvtxValue.FromBinary(d.ToArray(), type is EvtxValueType.EvtXml or EvtxValueType.Binary ? type : EvtxValueType.Binary);

    private static EvtxValue DecodeArray(EvtxValueType type, ReadOnlySpan<byte> d)
    {
        var item = (EvtxValueType)((int)type & 0x7f);
        var items = new List<EvtxValue>();
        switch (item)
        {
            case EvtxValueType.String:
                // NUL-terminated UTF-16 strings back to back.
                int start = 0;
                for (int i = 0; i + 1 < d.Length; i += 2)
                {
                    if (d[i] == 0 && d[i + 1] == 0)
                    {
                        items.Add(EvtxValue.FromString(EvtxValue.Utf16(d[start..i])));
                        start = i + 2;
                    }
                }

                if (start + 1 < d.Length)
                {
                    items.Add(EvtxValue.FromString(EvtxValue.Utf16(d[start..])));
                }

                break;
            case EvtxValueType.AnsiString:
                int s = 0;
                for (int i = 0; i < d.Length; i++)
                {
                    if (d[i] == 0)
                    {
                        items.Add(EvtxValue.FromAnsiString(Ansi(d[s..i])));
                        s = i + 1;
                    }
                }

                if (s < d.Length)
                {
                    items.Add(EvtxValue.FromAnsiString(Ansi(d[s..])));
                }

                break;
            case EvtxValueType.Sid:
                while (d.Length > 0 && TrySid(d, out string? sid, out int used))
                {
                    items.Add(EvtxValue.FromSid(sid));
                    d = d[used..];
                }

                break;
            case EvtxValueType.SizeT:
            case EvtxValueType.EvtHandle:
                int w = d.Length % 8 == 0 ? 8 : 4;
                for (int i = 0; i + w <= d.Length; i += w)
                {
                    ulong v = w == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(d[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(d[i..]);
                    items.Add(EvtxValue.FromUInt64(item, v, w));
                }

                break;
            default:
                int width = FixedWidth(item);
                if (width == 0)
                {
                    // Arrays of binary or BinXML are not defined by the format: keep the bytes.
                    return Raw(EvtxValueType.Binary, d);
                }

                for (int i = 0; i + width <= d.Length; i += width)
                {
                    items.Add(Scalar(item, d.Slice(i, width)));
                }

                break;
        }

        return EvtxValue.FromArray(item, [.. items]);
    }

    private static string Utf16UntilNul(ReadOnlySpan<byte> d)
    {
        // Windows strings are C strings: stop at the first NUL (the size usually includes it).
        for (int i = 0; i + 1 < d.Length; i += 2)
        {
            if (d[i] == 0 && d[i + 1] == 0)
            {
                return EvtxValue.Utf16(d[..i]);
            }
        }

        return EvtxValue.Utf16(d);
    }

    /// <summary>ANSI strings have no recorded code page: UTF-8 when valid, else Latin-1.</summary>
    private static string Ansi(ReadOnlySpan<byte> d)
    {
        int nul = d.IndexOf((byte)0);
        if (nul >= 0)
        {
            d = d[..nul];
        }

        return System.Text.Unicode.Utf8.IsValid(d) ? Encoding.UTF8.GetString(d) : Encoding.Latin1.GetString(d);
    }

    /// <summary>Parses a SID (revision, count, 48-bit big-endian authority, 32-bit sub-authorities).</summary>
    internal static bool TrySid(ReadOnlySpan<byte> d, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text, out int used)
    {
        text = null;
        used = 0;
        if (d.Length < 8)
        {
            return false;
        }

        int count = d[1];
        used = 8 + (4 * count);
        if (used > d.Length)
        {
            return false;
        }

        ulong authority = 0;
        for (int i = 2; i < 8; i++)
        {
            authority = (authority << 8) | d[i];
        }

        var sb = new StringBuilder(16 + (11 * count));
        sb.Append("S-").Append(d[0].ToString(CultureInfo.InvariantCulture)).Append('-').Append(authority.ToString(CultureInfo.InvariantCulture));
        for (int i = 0; i < count; i++)
        {
            sb.Append('-').Append(BinaryPrimitives.ReadUInt32LittleEndian(d[(8 + (4 * i))..]).ToString(CultureInfo.InvariantCulture));
        }

        text = sb.ToString();
        return true;
    }
}
