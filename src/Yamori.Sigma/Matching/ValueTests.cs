using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Yamori.Sigma.Matching;

/// <summary>
/// A test of one field value (a string). Implementations work on spans and never allocate: they run
/// for every candidate rule on every event.
/// </summary>
internal abstract class ValueTest
{
    public abstract bool Test(string value);

    /// <summary>Substrings of which every matching value contains at least one (case-insensitively); null if none is known.</summary>
    public virtual IReadOnlyList<string>? RequiredLiterals => null;

    /// <summary>Builds the cheapest test for a parsed Sigma string (with wildcard sentinels).</summary>
    public static ValueTest ForPattern(string pattern, bool cased)
    {
        StringComparison cmp = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        int stars = 0, questions = 0;
        foreach (char c in pattern)
        {
            if (c == SigmaString.Star)
            {
                stars++;
            }
            else if (c == SigmaString.Question)
            {
                questions++;
            }
        }

        if (questions == 0)
        {
            if (stars == 0)
            {
                return new EqualsTest(pattern, cmp);
            }

            bool lead = pattern[0] == SigmaString.Star;
            bool trail = pattern[^1] == SigmaString.Star;
            if (stars == 1 && lead && pattern.Length > 1)
            {
                return new EndsWithTest(pattern[1..], cmp);
            }

            if (stars == 1 && trail && pattern.Length > 1)
            {
                return new StartsWithTest(pattern[..^1], cmp);
            }

            if (stars == 2 && lead && trail && pattern.Length > 2)
            {
                return new ContainsTest(pattern[1..^1], cmp);
            }
        }

        if (stars == pattern.Length)
        {
            return new AnyTest();
        }

        return new GlobTest(pattern, cased);
    }

    /// <summary>
    /// For OR-ed values: folds the <c>contains</c> tests into one multi-string search and long lists of
    /// exact values into one set lookup. Order does not matter for OR, so the others keep theirs.
    /// </summary>
    public static ValueTest[] MergeAlternatives(ValueTest[] tests, bool cased)
    {
        StringComparison cmp = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var needles = new List<string>();
        var exact = new List<string>();
        foreach (ValueTest t in tests)
        {
            if (t is ContainsTest c)
            {
                needles.Add(c.Needle);
            }
            else if (t is EqualsTest e)
            {
                exact.Add(e.Value);
            }
        }

        bool mergeContains = needles.Count >= 2;
        bool mergeEquals = exact.Count >= 4;
        if (!mergeContains && !mergeEquals)
        {
            return tests;
        }

        var result = new List<ValueTest>(tests.Length);
        foreach (ValueTest t in tests)
        {
            if (!(mergeContains && t is ContainsTest) && !(mergeEquals && t is EqualsTest))
            {
                result.Add(t);
            }
        }

        if (mergeEquals)
        {
            result.Insert(0, new EqualsSetTest([.. exact], cmp));
        }

        if (mergeContains)
        {
            result.Add(new MultiContainsTest([.. needles], cmp));
        }

        return [.. result];
    }
}

internal sealed class AnyTest : ValueTest
{
    public override bool Test(string value) => true;
}

internal sealed class EqualsTest(string expected, StringComparison cmp) : ValueTest
{
    public override bool Test(string value) => string.Equals(value, expected, cmp);

    public string Value => expected;

    public override IReadOnlyList<string>? RequiredLiterals => expected.Length > 0 ? [expected] : null;

    public override string ToString() => $"= '{expected}'";
}

internal sealed class ContainsTest(string needle, StringComparison cmp) : ValueTest
{
    public override bool Test(string value) => value.AsSpan().IndexOf(needle.AsSpan(), cmp) >= 0;

    public string Needle => needle;

    public override IReadOnlyList<string>? RequiredLiterals => [needle];

    public override string ToString() => $"contains '{needle}'";
}

/// <summary>
/// Many <c>contains</c> values of one field, OR-ed: one vectorised multi-string search
/// (<see cref="SearchValues{T}"/>) instead of one scan of the value per needle.
/// </summary>
internal sealed class MultiContainsTest(string[] needles, StringComparison cmp) : ValueTest
{
    private readonly SearchValues<string> _values = SearchValues.Create(needles, cmp);

    public override bool Test(string value) => value.AsSpan().ContainsAny(_values);

    public override IReadOnlyList<string>? RequiredLiterals => needles;

    public override string ToString() => $"contains any of {needles.Length}";
}

/// <summary>Many exact values of one field, OR-ed: one hash lookup (the set's comparer does the case folding).</summary>
internal sealed class EqualsSetTest(string[] values, StringComparison cmp) : ValueTest
{
    private readonly HashSet<string> _set = new(values, cmp == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);

    public override bool Test(string value) => _set.Contains(value);

    public override IReadOnlyList<string>? RequiredLiterals => Array.Exists(values, v => v.Length == 0) ? null : values;

    public override string ToString() => $"equals any of {values.Length}";
}

internal sealed class StartsWithTest(string prefix, StringComparison cmp) : ValueTest
{
    public override bool Test(string value) => value.AsSpan().StartsWith(prefix.AsSpan(), cmp);

    public override IReadOnlyList<string>? RequiredLiterals => [prefix];

    public override string ToString() => $"startswith '{prefix}'";
}

internal sealed class EndsWithTest(string suffix, StringComparison cmp) : ValueTest
{
    public override bool Test(string value) => value.AsSpan().EndsWith(suffix.AsSpan(), cmp);

    public override IReadOnlyList<string>? RequiredLiterals => [suffix];

    public override string ToString() => $"endswith '{suffix}'";
}

/// <summary>
/// General <c>*</c>/<c>?</c> pattern. Segments between stars have fixed length, so matching each at
/// its leftmost position is optimal and the match is linear, not backtracking.
/// </summary>
internal sealed class GlobTest : ValueTest
{
    private readonly string[] _segments;
    private readonly bool _anchoredStart;
    private readonly bool _anchoredEnd;
    private readonly bool _cased;
    private readonly string _literal;

    public GlobTest(string pattern, bool cased)
    {
        _cased = cased;
        _anchoredStart = pattern[0] != SigmaString.Star;
        _anchoredEnd = pattern[^1] != SigmaString.Star;
        _segments = pattern.Split(SigmaString.Star, StringSplitOptions.RemoveEmptyEntries);
        _literal = SigmaString.LongestLiteral(pattern);
    }

    public override IReadOnlyList<string>? RequiredLiterals => _literal.Length > 0 ? [_literal] : null;

    public override bool Test(string value)
    {
        ReadOnlySpan<char> v = value.AsSpan();
        string[] segs = _segments;
        int pos = 0;
        int first = 0;
        int last = segs.Length - 1;
        if (_anchoredStart)
        {
            if (segs.Length == 0 || !SegmentAt(v, 0, segs[0]))
            {
                return false;
            }

            pos = segs[0].Length;
            first = 1;
            if (segs.Length == 1 && _anchoredEnd)
            {
                return pos == v.Length;
            }
        }

        if (_anchoredEnd && last >= first)
        {
            string tail = segs[last];
            int tailPos = v.Length - tail.Length;
            if (tailPos < pos || !SegmentAt(v, tailPos, tail))
            {
                return false;
            }

            v = v[..tailPos];
            last--;
        }

        for (int i = first; i <= last; i++)
        {
            int found = Find(v, pos, segs[i]);
            if (found < 0)
            {
                return false;
            }

            pos = found + segs[i].Length;
        }

        return true;
    }

    private int Find(ReadOnlySpan<char> v, int from, string seg)
    {
        if (seg.IndexOf(SigmaString.Question) < 0)
        {
            int idx = v[from..].IndexOf(seg.AsSpan(), _cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
            return idx < 0 ? -1 : idx + from;
        }

        for (int start = from; start + seg.Length <= v.Length; start++)
        {
            if (SegmentAt(v, start, seg))
            {
                return start;
            }
        }

        return -1;
    }

    private bool SegmentAt(ReadOnlySpan<char> v, int at, string seg)
    {
        if (at < 0 || at + seg.Length > v.Length)
        {
            return false;
        }

        for (int i = 0; i < seg.Length; i++)
        {
            char p = seg[i];
            if (p == SigmaString.Question)
            {
                continue;
            }

            char c = v[at + i];
            if (p != c && (_cased || char.ToUpperInvariant(p) != char.ToUpperInvariant(c)))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => $"like '{SigmaString.Display(string.Join(SigmaString.Star, _segments))}'";
}

internal sealed class RegexTest(Regex regex) : ValueTest
{
    /// <summary>Evaluations on one thread after which its instance is recompiled to IL.</summary>
    private const int CompileAfter = 1000;

    private readonly IReadOnlyList<string>? _literals = RegexLiterals.Required(regex.ToString());

    // A Regex caches one runner; threads sharing it build a new runner per call. One instance per
    // thread keeps matching allocation-free when sessions run in parallel. Hot regexes are then
    // compiled to IL (about 5x faster); cold ones never pay the compilation.
    private readonly ThreadLocal<Slot> _perThread = new(() => new Slot(new Regex(regex.ToString(), regex.Options, regex.MatchTimeout)));

    public override IReadOnlyList<string>? RequiredLiterals => _literals;

    public override bool Test(string value)
    {
        Slot slot = _perThread.Value!;
        if (++slot.Uses == CompileAfter)
        {
            slot.Regex = new Regex(regex.ToString(), regex.Options | RegexOptions.Compiled, regex.MatchTimeout);
        }

        try
        {
            return slot.Regex.IsMatch(value.AsSpan());
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological value must not stall the pipeline; count it and treat it as no match.
            Interlocked.Increment(ref EngineCounters.RegexTimeouts);
            return false;
        }
    }

    public override string ToString() => $"re '{regex}'";

    private sealed class Slot(Regex regex)
    {
        public Regex Regex = regex;
        public int Uses;
    }
}

internal enum CompareOp
{
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
}

internal sealed class NumericTest(CompareOp op, double operand) : ValueTest
{
    public override bool Test(string value) => TryParseNumber(value, out double v) && Compare(v);

    public bool Compare(double v) => op switch
    {
        CompareOp.Lt => v < operand,
        CompareOp.Lte => v <= operand,
        CompareOp.Gt => v > operand,
        CompareOp.Gte => v >= operand,
        _ => v == operand,
    };

    /// <summary>Parses decimal and <c>0x</c> hexadecimal numbers, the two forms event logs use.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> s, out double value)
    {
        s = s.Trim();
        if (s.Length > 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
        {
            bool ok = ulong.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong h);
            value = h;
            return ok;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public override string ToString() => $"{op} {operand}";
}

internal enum TimePart
{
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// <summary>The time modifiers: extract a component of a timestamp and compare it as a number.</summary>
internal sealed class TimePartTest(TimePart part, NumericTest compare) : ValueTest
{
    public override bool Test(string value)
    {
        // The spec: time modifiers are "not designed to handle timezone or format conversions", so
        // the part is read as written in the event (no conversion to UTC).
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t))
        {
            return false;
        }

        int n = part switch
        {
            TimePart.Minute => t.Minute,
            TimePart.Hour => t.Hour,
            TimePart.Day => t.Day,
            TimePart.Week => ISOWeek.GetWeekOfYear(t.DateTime),
            TimePart.Month => t.Month,
            _ => t.Year,
        };
        return compare.Compare(n);
    }
}

/// <summary>
/// <c>cidr</c>: the address is parsed once and checked against every network of the value list,
/// so a 40-network list costs one parse, not forty.
/// </summary>
internal sealed class CidrTest : ValueTest
{
    private readonly IPNetwork[] _networks;
    private readonly (uint Base, uint Mask)[] _v4;

    public CidrTest(IPNetwork[] networks)
    {
        _networks = networks;
        var v4 = new List<(uint, uint)>();
        foreach (IPNetwork n in networks)
        {
            if (n.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                uint mask = n.PrefixLength == 0 ? 0 : uint.MaxValue << (32 - n.PrefixLength);
                v4.Add((System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(n.BaseAddress.GetAddressBytes()) & mask, mask));
            }
        }

        _v4 = [.. v4];
    }

    public override bool Test(string value)
    {
        ReadOnlySpan<char> text = value.AsSpan().Trim();

        // Most event addresses are dotted IPv4: parsed here without allocating an IPAddress.
        if (TryParseIPv4(text, out uint addr))
        {
            foreach ((uint b, uint mask) in _v4)
            {
                if ((addr & mask) == b)
                {
                    return true;
                }
            }

            return false;
        }

        if (!IPAddress.TryParse(text, out IPAddress? ip))
        {
            return false;
        }

        IPAddress? v4 = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : null;
        foreach (IPNetwork network in _networks)
        {
            IPAddress candidate = v4 is not null && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? v4 : ip;
            if (network.Contains(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseIPv4(ReadOnlySpan<char> s, out uint value)
    {
        value = 0;
        int part = 0, digits = 0, parts = 0;
        foreach (char c in s)
        {
            if (c is >= '0' and <= '9')
            {
                part = (part * 10) + (c - '0');
                if (++digits > 3 || part > 255)
                {
                    return false;
                }
            }
            else if (c == '.' && digits > 0 && parts < 3)
            {
                value = (value << 8) | (uint)part;
                parts++;
                part = digits = 0;
            }
            else
            {
                return false;
            }
        }

        if (parts != 3 || digits == 0)
        {
            return false;
        }

        value = (value << 8) | (uint)part;
        return true;
    }

    public override string ToString() => "cidr " + string.Join<IPNetwork>(", ", _networks);
}

/// <summary>Process-wide counters of conditions the engine absorbed instead of failing.</summary>
public static class EngineCounters
{
    /// <summary>Regex evaluations abandoned at their timeout (counted as no match).</summary>
#pragma warning disable CA2211 // a public field so Interlocked can update it
    public static long RegexTimeouts;
#pragma warning restore CA2211
}
