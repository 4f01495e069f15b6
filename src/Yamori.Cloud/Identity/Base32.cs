namespace Yamori.Cloud.Identity;

/// <summary>RFC 4648 base32 (the alphabet authenticator apps expect for TOTP secrets).</summary>
public static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(ReadOnlySpan<byte> data, bool padding = true)
    {
        var text = new System.Text.StringBuilder((data.Length + 4) / 5 * 8);
        int buffer = 0;
        int bits = 0;
        foreach (byte b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        if (padding)
        {
            while (text.Length % 8 != 0)
            {
                text.Append('=');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Decodes base32, accepting lower case, missing padding and the spaces apps insert for
    /// readability. Returns null for any other character or an impossible length.
    /// </summary>
    public static byte[]? TryDecode(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string clean = text.Replace(" ", "", StringComparison.Ordinal).TrimEnd('=').ToUpperInvariant();
        if (clean.Length % 8 is 1 or 3 or 6)
        {
            return null; // no whole number of bytes ends there
        }

        var bytes = new byte[clean.Length * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int index = 0;
        foreach (char c in clean)
        {
            int value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                return null;
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bytes[index++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }

        return bytes;
    }
}
