using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Yamori.Evtx.Rendering;

/// <summary>Which convention to render values in.</summary>
internal enum ValueStyle
{
    /// <summary>As Windows renders event XML: GUIDs in braces, FILETIMEs with 7 fractional digits.</summary>
    Windows,
    /// <summary>As the Rust <c>evtx</c> crate's JSON: GUIDs bare, timestamps with 6 fractional digits.</summary>
    EvtxDump,
}

/// <summary>Formats <see cref="EvtxValue"/>s as text without intermediate strings for the fixed-size types.</summary>
internal static class ValueFormatter
{
    private const long FileTimeEpochTicks = 504911232000000000L; // 1601-01-01 in DateTime ticks

    public static string ToText(in EvtxValue v, ValueStyle style)
    {
        switch (v.Type)
        {
            case EvtxValueType.Null:
                return string.Empty;
            case EvtxValueType.String:
            case EvtxValueType.AnsiString:
                // evtx_dump (since evtx 0.8.5, issue #249) drops trailing whitespace such as the padding
                // in "Advapi  " or the space after Sysmon command lines; SigmaHQ's twins and rules assume it.
                string text = v.AsString!;
                return style == ValueStyle.EvtxDump && text.Length > 0 && char.IsWhiteSpace(text[^1]) ? text.TrimEnd() : text;
            case EvtxValueType.Sid:
                return v.AsString!;
            case EvtxValueType.BinXml:
                return NodeText(v.NodeArray);
        }

        if (v.IsArray)
        {
            var sb = new StringBuilder();
            ReadOnlySpan<EvtxValue> items = v.Items;
            for (int i = 0; i < items.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(',');
                }

                sb.Append(ToText(items[i], style));
            }

            return sb.ToString();
        }

        if (v.Type is EvtxValueType.Binary or EvtxValueType.EvtXml || v.AsBinary.Length > 0)
        {
            return Convert.ToHexString(v.AsBinary.Span);
        }

        Span<char> buf = stackalloc char[48];
        int n = Format(v, style, buf);
        return new string(buf[..n]);
    }

    /// <summary>Formats a fixed-size value into <paramref name="dest"/> (at least 48 chars); returns the length.</summary>
    public static int Format(in EvtxValue v, ValueStyle style, Span<char> dest)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        int n;
        switch (v.Type)
        {
            case EvtxValueType.Int8:
            case EvtxValueType.Int16:
            case EvtxValueType.Int32:
            case EvtxValueType.Int64:
                v.AsInt64.TryFormat(dest, out n, default, inv);
                return n;
            case EvtxValueType.UInt8:
            case EvtxValueType.UInt16:
            case EvtxValueType.UInt32:
            case EvtxValueType.UInt64:
                v.AsUInt64.TryFormat(dest, out n, default, inv);
                return n;
            case EvtxValueType.Real32:
                ((float)v.AsDouble).TryFormat(dest, out n, "R", inv);
                return n;
            case EvtxValueType.Real64:
                v.AsDouble.TryFormat(dest, out n, "R", inv);
                return n;
            case EvtxValueType.Bool:
                (v.AsBool ? "true" : "false").CopyTo(dest);
                return v.AsBool ? 4 : 5;
            case EvtxValueType.Guid:
                return FormatGuid(v.AsGuid, style == ValueStyle.Windows, dest);
            case EvtxValueType.FileTime:
                return FormatFileTime(v.AsUInt64, style, dest);
            case EvtxValueType.SystemTime:
                return FormatSystemTime(v, style, dest);
            default:
                // HexInt32/64, SizeT and EvtHandle: Windows' 0x-prefixed lowercase hex without padding.
                dest[0] = '0';
                dest[1] = 'x';
                v.AsUInt64.TryFormat(dest[2..], out n, "x", inv);
                return n + 2;
        }
    }

    private static int FormatGuid(Guid g, bool braces, Span<char> dest)
    {
        g.TryFormat(dest, out int n, braces ? "B" : "D");
        for (int i = 0; i < n; i++)
        {
            dest[i] = char.ToUpperInvariant(dest[i]);
        }

        return n;
    }

    public static bool TryGetDateTime(in EvtxValue v, out DateTime utc)
    {
        if (v.Type == EvtxValueType.FileTime)
        {
            return TryFileTime(v.AsUInt64, out utc);
        }

        if (v.Type == EvtxValueType.SystemTime)
        {
            Span<byte> raw = stackalloc byte[16];
            v.GetSystemTime(raw);
            return TrySystemTime(raw, out utc);
        }

        utc = default;
        return false;
    }

    public static bool TryFileTime(ulong fileTime, out DateTime utc)
    {
        if (fileTime <= (ulong)(DateTime.MaxValue.Ticks - FileTimeEpochTicks))
        {
            utc = new DateTime((long)fileTime + FileTimeEpochTicks, DateTimeKind.Utc);
            return true;
        }

        utc = default;
        return false;
    }

    private static bool TrySystemTime(ReadOnlySpan<byte> raw, out DateTime utc)
    {
        int year = BinaryPrimitives.ReadUInt16LittleEndian(raw);
        int month = BinaryPrimitives.ReadUInt16LittleEndian(raw[2..]);
        int day = BinaryPrimitives.ReadUInt16LittleEndian(raw[6..]);
        int hour = BinaryPrimitives.ReadUInt16LittleEndian(raw[8..]);
        int minute = BinaryPrimitives.ReadUInt16LittleEndian(raw[10..]);
        int second = BinaryPrimitives.ReadUInt16LittleEndian(raw[12..]);
        int ms = BinaryPrimitives.ReadUInt16LittleEndian(raw[14..]);
        if (year is >= 1 and <= 9999 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) &&
            hour < 24 && minute < 60 && second < 60 && ms < 1000)
        {
            utc = new DateTime(year, month, day, hour, minute, second, ms, DateTimeKind.Utc);
            return true;
        }

        utc = default;
        return false;
    }

    private static int FormatFileTime(ulong fileTime, ValueStyle style, Span<char> dest)
    {
        if (!TryFileTime(fileTime, out DateTime t))
        {
            // Out of DateTime's range (damaged data): show the raw number rather than inventing a date.
            fileTime.TryFormat(dest, out int raw, default, CultureInfo.InvariantCulture);
            return raw;
        }

        return FormatDateTime(t, style, dest);
    }

    private static int FormatSystemTime(in EvtxValue v, ValueStyle style, Span<char> dest)
    {
        Span<byte> raw = stackalloc byte[16];
        v.GetSystemTime(raw);
        if (TrySystemTime(raw, out DateTime t))
        {
            return FormatDateTime(t, style, dest);
        }

        // An invalid SYSTEMTIME: render its fields verbatim.
        string s = string.Create(CultureInfo.InvariantCulture, $"{BinaryPrimitives.ReadUInt16LittleEndian(raw):D4}-{BinaryPrimitives.ReadUInt16LittleEndian(raw[2..]):D2}-{BinaryPrimitives.ReadUInt16LittleEndian(raw[6..]):D2}T{BinaryPrimitives.ReadUInt16LittleEndian(raw[8..]):D2}:{BinaryPrimitives.ReadUInt16LittleEndian(raw[10..]):D2}:{BinaryPrimitives.ReadUInt16LittleEndian(raw[12..]):D2}.{BinaryPrimitives.ReadUInt16LittleEndian(raw[14..]):D3}Z");
        int len = Math.Min(s.Length, dest.Length);
        s.AsSpan(0, len).CopyTo(dest);
        return len;
    }

    public static int FormatDateTime(DateTime t, ValueStyle style, Span<char> dest)
    {
        // Digits written directly: a custom DateTime format string costs several times more per value.
        // Windows renders 7 fractional digits; evtx_dump truncates to microseconds.
        int digits = style == ValueStyle.Windows ? 7 : 6;
        Digits(dest, 0, 4, t.Year);
        dest[4] = '-';
        Digits(dest, 5, 2, t.Month);
        dest[7] = '-';
        Digits(dest, 8, 2, t.Day);
        dest[10] = 'T';
        Digits(dest, 11, 2, t.Hour);
        dest[13] = ':';
        Digits(dest, 14, 2, t.Minute);
        dest[16] = ':';
        Digits(dest, 17, 2, t.Second);
        dest[19] = '.';
        long fraction = t.Ticks % TimeSpan.TicksPerSecond;
        Digits(dest, 20, digits, digits == 7 ? fraction : fraction / 10);
        dest[20 + digits] = 'Z';
        return 21 + digits;
    }

    private static void Digits(Span<char> dest, int at, int count, long value)
    {
        for (int i = at + count - 1; i >= at; i--)
        {
            dest[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>The text content of nodes (element text, recursively), used where BinXML lands in a text slot.</summary>
    public static string NodeText(EvtxNode[] nodes)
    {
        var sb = new StringBuilder();
        AppendText(sb, nodes, 0);
        return sb.ToString();
    }

    private static void AppendText(StringBuilder sb, IReadOnlyList<EvtxNode> nodes, int depth)
    {
        if (depth > 64)
        {
            return;
        }

        foreach (EvtxNode node in nodes)
        {
            switch (node)
            {
                case EvtxElement e:
                    AppendText(sb, e.Children, depth + 1);
                    break;
                default:
                    sb.Append(node.Text);
                    break;
            }
        }
    }
}
