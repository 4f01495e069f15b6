using Yamori.Sigma.Events;

namespace Yamori.Sigma.Matching;

/// <summary>A compiled node of a rule: a field test, a selection, or a condition operator.</summary>
internal abstract class Matcher
{
    public abstract bool Match(in EvalContext ctx);

    /// <summary>
    /// Literals of which at least one must occur (case-insensitively) in the named field slot for this
    /// node to be true; null when no such set is known. Slot -1 means "any field" (keywords).
    /// </summary>
    public virtual Necessity? Necessity => null;
}

/// <summary>A disjunction of (field slot, literal) pairs that a match implies.</summary>
internal sealed record Necessity(IReadOnlyList<(int Slot, string Literal)> Alternatives)
{
    /// <summary>
    /// How selective the set is: its weakest literal's length (longer literals trigger less often),
    /// and 0 when some literal occurs in common benign text (it would trigger on most events).
    /// Computed once: it is read while the compiler picks among an AND's children.
    /// </summary>
    public int Score => _score ??= ComputeScore();

    private int? _score;

    private int ComputeScore()
    {
        int min = int.MaxValue;
        foreach ((_, string lit) in Alternatives)
        {
            min = Math.Min(min, CommonText.Contains(lit) ? 0 : lit.Length);
        }

        return Alternatives.Count == 0 ? 0 : min;
    }

    public static Necessity? Best(Necessity? a, Necessity? b) =>
        a is null ? b : b is null ? a : (b.Score > a.Score || (b.Score == a.Score && b.Alternatives.Count < a.Alternatives.Count) ? b : a);

    /// <summary>
    /// The necessity of value tests on one field slot: with OR (the default), every test must name
    /// literals and any of them may be the one; with <c>all</c>, the most selective single test.
    /// </summary>
    public static Necessity? FromTests(ValueTest[] tests, int slot, bool all)
    {
        if (all)
        {
            Necessity? best = null;
            foreach (ValueTest t in tests)
            {
                if (t.RequiredLiterals is { } lits)
                {
                    best = Best(best, Of(slot, lits));
                }
            }

            return best;
        }

        var alts = new List<(int, string)>(tests.Length);
        foreach (ValueTest t in tests)
        {
            if (t.RequiredLiterals is not { } lits)
            {
                return null;
            }

            foreach (string lit in lits)
            {
                alts.Add((slot, lit));
            }
        }

        return alts.Count == 0 ? null : new Necessity(alts);
    }

    private static Necessity Of(int slot, IReadOnlyList<string> literals)
    {
        var alts = new List<(int, string)>(literals.Count);
        foreach (string lit in literals)
        {
            alts.Add((slot, lit));
        }

        return new Necessity(alts);
    }

    public static Necessity? Union(IEnumerable<Necessity?> parts)
    {
        var all = new List<(int, string)>();
        foreach (Necessity? p in parts)
        {
            if (p is null)
            {
                return null;
            }

            all.AddRange(p.Alternatives);
        }

        return all.Count == 0 ? null : new Necessity(all);
    }
}

/// <summary><c>field|mods: values</c> — one field tested against values (OR, or AND with <c>all</c>), optionally negated (<c>neq</c>).</summary>
internal sealed class FieldMatcher(int slot, ValueTest[] tests, bool all, bool negate, bool nullMatchesEmpty) : Matcher
{
    public override bool Match(in EvalContext ctx)
    {
        if (!ctx.TryGet(slot, out FieldValue v))
        {
            return false;
        }

        switch (v.Kind)
        {
            case FieldKind.Null:
                // An explicit null reads as the empty string: EVTX renders an empty <Data/> that way.
                return nullMatchesEmpty ? !negate : false;
            case FieldKind.Array:
                string[] items = v.Items!;
                for (int i = 0; i < items.Length; i++)
                {
                    if (TestOne(items[i]))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return TestOne(v.Text!);
        }
    }

    private bool TestOne(string s)
    {
        bool result;
        if (all)
        {
            result = true;
            for (int i = 0; i < tests.Length; i++)
            {
                if (!tests[i].Test(s))
                {
                    result = false;
                    break;
                }
            }
        }
        else
        {
            result = false;
            for (int i = 0; i < tests.Length; i++)
            {
                if (tests[i].Test(s))
                {
                    result = true;
                    break;
                }
            }
        }

        return result != negate;
    }

    public override Necessity? Necessity => negate ? null : Matching.Necessity.FromTests(tests, slot, all);
}

/// <summary><c>field: null</c> — the field is absent or explicitly null.</summary>
internal sealed class NullMatcher(int slot) : Matcher
{
    public override bool Match(in EvalContext ctx) => !ctx.TryGet(slot, out FieldValue v) || v.Kind == FieldKind.Null;
}

/// <summary><c>field|exists: true|false</c>.</summary>
internal sealed class ExistsMatcher(int slot, bool expected) : Matcher
{
    public override bool Match(in EvalContext ctx) => ctx.TryGet(slot, out _) == expected;
}

/// <summary>Keywords: values searched in every field of the event.</summary>
internal sealed class KeywordMatcher(ValueTest[] tests, bool all) : Matcher
{
    public override bool Match(in EvalContext ctx)
    {
        if (all)
        {
            for (int t = 0; t < tests.Length; t++)
            {
                if (!AnyField(ctx.Event, tests[t]))
                {
                    return false;
                }
            }

            return true;
        }

        for (int t = 0; t < tests.Length; t++)
        {
            if (AnyField(ctx.Event, tests[t]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Keyword literals are indexed against every field (slot -1), so keyword rules are pre-filtered too.</summary>
    public override Necessity? Necessity => Matching.Necessity.FromTests(tests, AnyFieldSlot, all);

    public const int AnyFieldSlot = -1;

    private static bool AnyField(ISigmaEvent e, ValueTest test)
    {
        int n = e.FieldCount;
        for (int i = 0; i < n; i++)
        {
            FieldValue v = e.GetFieldAt(i, out _);
            if (v.Kind == FieldKind.Array)
            {
                foreach (string item in v.Items!)
                {
                    if (test.Test(item))
                    {
                        return true;
                    }
                }
            }
            else if (v.Text is not null && test.Test(v.Text))
            {
                return true;
            }
        }

        return false;
    }
}

internal enum FieldRefOp
{
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// <summary><c>field|fieldref: other</c> — compares two fields of the same event.</summary>
internal sealed class FieldRefMatcher(int slot, int[] otherSlots, FieldRefOp op, bool cased, bool negate, bool all) : Matcher
{
    public override bool Match(in EvalContext ctx)
    {
        if (!ctx.TryGet(slot, out FieldValue v) || v.Text is null)
        {
            return false;
        }

        StringComparison cmp = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        bool any = false;
        for (int i = 0; i < otherSlots.Length; i++)
        {
            bool hit = ctx.TryGet(otherSlots[i], out FieldValue o) && o.Text is not null && Compare(v.Text, o.Text, cmp);
            if (negate)
            {
                hit = !hit && o.Text is not null;
            }

            if (all && !hit)
            {
                return false;
            }

            any |= hit;
        }

        return any;
    }

    private bool Compare(string a, string b, StringComparison cmp) => op switch
    {
        FieldRefOp.Contains => a.AsSpan().IndexOf(b.AsSpan(), cmp) >= 0,
        FieldRefOp.StartsWith => a.AsSpan().StartsWith(b.AsSpan(), cmp),
        FieldRefOp.EndsWith => a.AsSpan().EndsWith(b.AsSpan(), cmp),
        _ => string.Equals(a, b, cmp),
    };
}
