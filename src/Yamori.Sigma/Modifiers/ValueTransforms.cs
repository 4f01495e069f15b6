using System.Text;
using Yamori.Sigma.Matching;

namespace Yamori.Sigma.Modifiers;

/// <summary>
/// The transformation modifiers. Values flow through them as strings with wildcard sentinels, or as
/// bytes once an encoding modifier has turned text into bytes.
/// </summary>
internal static class ValueTransforms
{
    private static readonly char[] DashChars = ['-', '/', '–', '—', '―'];

    /// <summary>
    /// <c>windash</c>: every <c>-</c> or <c>/</c> that starts a flag (pySigma: <c>\B[-/]\b</c>) takes
    /// each of the five dash characters, in every combination.
    /// </summary>
    public static List<string> Windash(string value)
    {
        var positions = new List<int>();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] is '-' or '/' && (i == 0 || !IsWordChar(value[i - 1])) && i + 1 < value.Length && IsWordChar(value[i + 1]))
            {
                positions.Add(i);
            }
        }

        var results = new List<string> { value };
        foreach (int pos in positions)
        {
            var next = new List<string>(results.Count * DashChars.Length);
            foreach (string r in results)
            {
                foreach (char d in DashChars)
                {
                    char[] chars = r.ToCharArray();
                    chars[pos] = d;
                    next.Add(new string(chars));
                }
            }

            results = next;
        }

        return results;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    public static byte[] Utf16Le(string s) => Encoding.Unicode.GetBytes(s);

    public static byte[] Utf16Be(string s) => Encoding.BigEndianUnicode.GetBytes(s);

    /// <summary><c>utf16</c>: little-endian with the byte order mark, as Windows writes it.</summary>
    public static byte[] Utf16WithBom(string s)
    {
        byte[] body = Encoding.Unicode.GetBytes(s);
        byte[] result = new byte[body.Length + 2];
        result[0] = 0xFF;
        result[1] = 0xFE;
        body.CopyTo(result, 2);
        return result;
    }

    public static string Base64(byte[] bytes) => Convert.ToBase64String(bytes);

    /// <summary>
    /// <c>base64offset</c>: the three encodings of the value at byte offsets 0, 1 and 2 of a longer
    /// stream, trimmed to the characters that do not depend on the surrounding bytes (as pySigma does).
    /// </summary>
    public static List<string> Base64Offsets(byte[] value)
    {
        int[] startOffsets = [0, 2, 3];
        int?[] endOffsets = [null, -3, -2];
        var results = new List<string>(3);
        for (int i = 0; i < 3; i++)
        {
            byte[] shifted = new byte[i + value.Length];
            for (int k = 0; k < i; k++)
            {
                shifted[k] = (byte)' ';
            }

            value.CopyTo(shifted, i);
            string encoded = Convert.ToBase64String(shifted);
            int start = startOffsets[i];
            int? endOffset = endOffsets[(value.Length + i) % 3];
            int end = endOffset is null ? encoded.Length : encoded.Length + endOffset.Value;
            results.Add(end > start ? encoded[start..end] : string.Empty);
        }

        return results;
    }

    /// <summary>Bytes that were never base64-encoded are matched as text, one char per byte.</summary>
    public static string BytesAsText(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    public static string WrapPosition(string pattern, Modifier position) => position switch
    {
        Modifier.Contains => (pattern.StartsWith(SigmaString.Star) ? string.Empty : SigmaString.Star.ToString()) + pattern + (pattern.EndsWith(SigmaString.Star) ? string.Empty : SigmaString.Star.ToString()),
        Modifier.StartsWith => pattern + (pattern.EndsWith(SigmaString.Star) ? string.Empty : SigmaString.Star.ToString()),
        _ => (pattern.StartsWith(SigmaString.Star) ? string.Empty : SigmaString.Star.ToString()) + pattern,
    };
}
