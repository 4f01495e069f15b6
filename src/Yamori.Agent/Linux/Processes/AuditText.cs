using System.Buffers.Text;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// The audit record text format: an <c>audit(sec.msec:serial): </c> stamp, then space-separated
/// <c>name=value</c> fields whose values are numbers, <c>"quoted"</c> text, or upper-case hex when
/// the text holds a space, a quote or a control character. Span-only, so parsing allocates nothing.
/// </summary>
internal static class AuditText
{
    /// <summary>Reads <c>audit(1764161863.123:4567): </c> off the front of a record.</summary>
    internal static bool TryStamp(ref ReadOnlySpan<byte> text, out DateTimeOffset stamp, out ulong serial)
    {
        stamp = default;
        serial = 0;
        if (!text.StartsWith("audit("u8))
        {
            return false;
        }

        ReadOnlySpan<byte> t = text[6..];
        if (!Utf8Parser.TryParse(t, out long seconds, out int used) || used >= t.Length || t[used] != '.')
        {
            return false;
        }

        t = t[(used + 1)..];
        if (!Utf8Parser.TryParse(t, out int millis, out used) || used >= t.Length || t[used] != ':')
        {
            return false;
        }

        t = t[(used + 1)..];
        if (!Utf8Parser.TryParse(t, out serial, out used) || !t[used..].StartsWith("):"u8))
        {
            return false;
        }

        stamp = DateTimeOffset.FromUnixTimeMilliseconds((seconds * 1000) + millis);
        text = t[(used + 2)..];
        return true;
    }

    /// <summary>The value of the first <c>name=value</c> field, quotes kept (Decode removes them).</summary>
    internal static bool TryField(ReadOnlySpan<byte> text, ReadOnlySpan<byte> wanted, out ReadOnlySpan<byte> value)
    {
        while (NextField(ref text, out ReadOnlySpan<byte> name, out value))
        {
            if (name.SequenceEqual(wanted))
            {
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Splits off the next <c>name=value</c>; a quoted value runs to its closing quote (the kernel hex-encodes any value holding a quote or a space).</summary>
    internal static bool NextField(scoped ref ReadOnlySpan<byte> text, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (true)
        {
            text = text.TrimStart((byte)' ');
            if (text.IsEmpty)
            {
                name = value = default;
                return false;
            }

            int eq = text.IndexOfAny((byte)'=', (byte)' ');
            if (eq < 0 || text[eq] == ' ')
            {
                // A bare word (no '='): skip it.
                text = eq < 0 ? default : text[eq..];
                continue;
            }

            name = text[..eq];
            ReadOnlySpan<byte> v = text[(eq + 1)..];
            int end;
            if (v.Length > 0 && v[0] == '"')
            {
                int close = v[1..].IndexOf((byte)'"');
                end = close < 0 ? v.Length : close + 2;
            }
            else
            {
                end = v.IndexOf((byte)' ');
                if (end < 0)
                {
                    end = v.Length;
                }
            }

            value = v[..end];
            text = v[end..];
            return true;
        }
    }

    /// <summary>
    /// An audit "untrusted string": <c>"text"</c>, upper-case hex of the raw bytes, or <c>(null)</c>.
    /// Writes the bytes to <paramref name="output"/> (cut to fit) and returns their count, or -1 for (null).
    /// </summary>
    internal static int Decode(ReadOnlySpan<byte> value, Span<byte> output)
    {
        if (value.Length > 0 && value[0] == '"')
        {
            ReadOnlySpan<byte> inner = value.Length >= 2 && value[^1] == '"' ? value[1..^1] : value[1..];
            int n = Math.Min(inner.Length, output.Length);
            inner[..n].CopyTo(output);
            return n;
        }

        if (value.SequenceEqual("(null)"u8))
        {
            return -1;
        }

        if (value.Length % 2 == 0 && !value.ContainsAnyExcept("0123456789ABCDEFabcdef"u8))
        {
            int n = Math.Min(value.Length / 2, output.Length);
            for (int i = 0; i < n; i++)
            {
                output[i] = (byte)((Nibble(value[2 * i]) << 4) | Nibble(value[(2 * i) + 1]));
            }

            return n;
        }

        int m = Math.Min(value.Length, output.Length);
        value[..m].CopyTo(output);
        return m;
    }

    private static int Nibble(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
