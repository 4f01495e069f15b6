using System.Text;

namespace Yamori.Sigma.Matching;

/// <summary>
/// Finds literal text that every match of a regular expression must contain, so regex rules can be
/// pre-filtered like the others. Conservative: anything it does not fully understand (groups,
/// classes, escapes such as <c>\d</c>, optional characters) ends a literal run rather than guessing.
/// </summary>
internal static class RegexLiterals
{
    /// <summary>Shorter runs trigger on almost every event and are worth nothing as a filter.</summary>
    private const int MinLength = 2;

    /// <summary>Literals of which one occurs in every match; null when none is certain.</summary>
    public static IReadOnlyList<string>? Required(string pattern)
    {
        // With (?x) whitespace and '#' are not literal; do not try to read such patterns.
        if (pattern.Contains("(?x", StringComparison.Ordinal) || pattern.Contains("(?ix", StringComparison.Ordinal))
        {
            return null;
        }

        List<string>? branches = SplitTopLevel(pattern);
        if (branches is null)
        {
            return null;
        }

        var result = new List<string>(branches.Count);
        foreach (string branch in branches)
        {
            string? best = LongestRun(branch);
            if (best is null || best.Length < MinLength)
            {
                return null;
            }

            result.Add(best);
        }

        return result;
    }

    /// <summary>Splits on <c>|</c> outside groups and classes; null when the pattern is unbalanced.</summary>
    private static List<string>? SplitTopLevel(string p)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool inClass = false;
        for (int i = 0; i < p.Length; i++)
        {
            char c = p[i];
            if (c == '\\')
            {
                i++;
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                continue;
            }

            switch (c)
            {
                case '[': inClass = true; break;
                case '(': depth++; break;
                case ')': depth--; break;
                case '|' when depth == 0:
                    parts.Add(p[start..i]);
                    start = i + 1;
                    break;
            }
        }

        if (depth != 0 || inClass)
        {
            return null;
        }

        parts.Add(p[start..]);
        return parts;
    }

    private static string? LongestRun(string p)
    {
        string? best = null;
        var run = new StringBuilder();
        int i = 0;
        while (i < p.Length)
        {
            char c = p[i];
            int next;
            char? literal = null;
            if (c == '\\')
            {
                if (i + 1 >= p.Length)
                {
                    return null;
                }

                char e = p[i + 1];
                next = i + 2;
                if (!char.IsAsciiLetterOrDigit(e))
                {
                    literal = e; // an escaped metacharacter or punctuation stands for itself
                }
            }
            else if (c == '[')
            {
                next = SkipClass(p, i);
            }
            else if (c == '(')
            {
                next = SkipGroup(p, i);
            }
            else if (c is '.' or '^' or '$' or ')')
            {
                next = i + 1;
            }
            else
            {
                literal = c;
                next = i + 1;
            }

            if (next < 0)
            {
                return null;
            }

            // A quantifier after the atom: '?', '*' or '{0' make it optional; '+' or '{n' (n ≥ 1) keep
            // it required but end the run, since repetitions may follow.
            bool optional = false, endsRun = false;
            if (next < p.Length)
            {
                char q = p[next];
                if (q is '?' or '*')
                {
                    optional = true;
                    next++;
                }
                else if (q == '+')
                {
                    endsRun = true;
                    next++;
                }
                else if (q == '{')
                {
                    int close = p.IndexOf('}', next);
                    if (close < 0)
                    {
                        return null;
                    }

                    optional = next + 1 < p.Length && p[next + 1] == '0';
                    endsRun = !optional;
                    next = close + 1;
                }

                // Lazy or possessive suffix of the quantifier.
                if ((optional || endsRun) && next < p.Length && p[next] is '?' or '+')
                {
                    next++;
                }
            }

            if (literal is { } ch && !optional)
            {
                run.Append(ch);
            }

            if (literal is null || optional || endsRun)
            {
                best = Longer(best, run);
                run.Clear();
            }

            i = next;
        }

        return Longer(best, run);
    }

    private static string? Longer(string? best, StringBuilder run) =>
        run.Length > (best?.Length ?? 0) ? run.ToString() : best;

    /// <summary>
    /// Skips a character class. Nested brackets (.NET subtraction <c>[a-z-[aeiou]]</c>, POSIX
    /// <c>[[:alpha:]]</c>) are counted; a class that never closes makes the caller give up.
    /// </summary>
    private static int SkipClass(string p, int i)
    {
        int j = i + 1;
        if (j < p.Length && p[j] == '^')
        {
            j++;
        }

        if (j < p.Length && p[j] == ']')
        {
            j++;
        }

        int depth = 1;
        for (; j < p.Length; j++)
        {
            if (p[j] == '\\')
            {
                j++;
            }
            else if (p[j] == '[')
            {
                depth++;
            }
            else if (p[j] == ']' && --depth == 0)
            {
                return j + 1;
            }
        }

        return -1;
    }

    private static int SkipGroup(string p, int i)
    {
        int depth = 0;
        bool inClass = false;
        for (int j = i; j < p.Length; j++)
        {
            char c = p[j];
            if (c == '\\')
            {
                j++;
            }
            else if (inClass)
            {
                inClass = c != ']';
            }
            else if (c == '[')
            {
                inClass = true;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && --depth == 0)
            {
                return j + 1;
            }
        }

        return -1;
    }
}
