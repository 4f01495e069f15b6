using System.Text;

namespace Yamori.Sigma.Matching;

/// <summary>
/// A Sigma string value after escape processing. Wildcards are kept as private-use sentinels so that
/// modifiers (windash, contains…) can work on plain strings without losing the escaping.
/// </summary>
internal static class SigmaString
{
    public const char Star = '\uE000';
    public const char Question = '\uE001';

    /// <summary>Applies the spec's escaping: <c>\*</c>, <c>\?</c>, <c>\\</c> escape; a lone <c>\</c> is literal.</summary>
    public static string Parse(string raw)
    {
        if (raw.AsSpan().IndexOfAny('*', '?', '\\') < 0)
        {
            return raw;
        }

        var sb = new StringBuilder(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '\\' && i + 1 < raw.Length && raw[i + 1] is '*' or '?' or '\\')
            {
                sb.Append(raw[i + 1]);
                i++;
            }
            else if (c == '*')
            {
                sb.Append(Star);
            }
            else if (c == '?')
            {
                sb.Append(Question);
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    public static bool HasWildcards(string s) => s.AsSpan().IndexOfAny(Star, Question) >= 0;

    /// <summary>Renders a parsed value back into Sigma notation, for messages.</summary>
    public static string Display(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            sb.Append(c switch
            {
                Star => "*",
                Question => "?",
                '*' => "\\*",
                '?' => "\\?",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    /// <summary>The longest run of literal characters: a substring every match must contain.</summary>
    public static string LongestLiteral(string s)
    {
        int bestStart = 0, bestLen = 0, start = 0;
        for (int i = 0; i <= s.Length; i++)
        {
            if (i == s.Length || s[i] is Star or Question)
            {
                if (i - start > bestLen)
                {
                    bestStart = start;
                    bestLen = i - start;
                }

                start = i + 1;
            }
        }

        return s.Substring(bestStart, bestLen);
    }
}
