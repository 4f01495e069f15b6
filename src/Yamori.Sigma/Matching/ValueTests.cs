using System.Buffers;

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
