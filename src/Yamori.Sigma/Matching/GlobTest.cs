namespace Yamori.Sigma.Matching;

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
