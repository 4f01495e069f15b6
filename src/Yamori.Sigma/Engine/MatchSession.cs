using Yamori.Sigma.Events;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Engine;

/// <summary>
/// Per-thread matching state. <see cref="Match"/> does not allocate: the candidate bitset is reused
/// and matches are appended to the caller's list.
/// </summary>
public sealed class MatchSession
{
    private readonly SigmaEngine _engine;
    private ulong[] _bits = new ulong[64];

    internal MatchSession(SigmaEngine engine) => _engine = engine;

    /// <summary>Events seen by this session.</summary>
    public long Events { get; private set; }

    /// <summary>Rule evaluations after the pre-filter (the work the pre-filter could not avoid).</summary>
    public long Evaluations { get; private set; }

    /// <summary>Matches dropped by a Sigma filter.</summary>
    public long Filtered { get; private set; }

    /// <summary>Appends every rule that matches <paramref name="evt"/> to <paramref name="matches"/>; returns how many.</summary>
    public int Match(ISigmaEvent evt, List<SigmaRule> matches)
    {
        Events++;
        RuleGroup group = _engine.GroupFor(evt);
        GroupMember[] members = group.Members;
        if (members.Length == 0)
        {
            return 0;
        }

        int words = group.Words;
        if (_bits.Length < words)
        {
            _bits = new ulong[words];
        }

        ulong[] bits = _bits;
        Array.Copy(group.AlwaysBits, bits, words);
        foreach (FieldScanner scanner in group.Scanners)
        {
            if (!evt.TryGetField(scanner.Field, out FieldValue v))
            {
                continue;
            }

            if (v.Kind == FieldKind.Array)
            {
                foreach (string item in v.Items!)
                {
                    scanner.Automaton.Mark(item, bits);
                }
            }
            else if (v.Text is not null)
            {
                scanner.Automaton.Mark(v.Text, bits);
            }
        }

        if (group.AnyFieldScanner is { } any)
        {
            int n = evt.FieldCount;
            for (int f = 0; f < n; f++)
            {
                FieldValue v = evt.GetFieldAt(f, out _);
                if (v.Kind == FieldKind.Array)
                {
                    foreach (string item in v.Items!)
                    {
                        any.Mark(item, bits);
                    }
                }
                else if (v.Text is not null)
                {
                    any.Mark(v.Text, bits);
                }
            }
        }

        int found = 0;
        for (int w = 0; w < words; w++)
        {
            ulong word = bits[w];
            while (word != 0)
            {
                int i = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                GroupMember member = members[i];
                Evaluations++;
                var ctx = new EvalContext(evt, member.Names);
                if (member.Rule.Root.Match(ctx) && !IsFiltered(member.Rule, ctx))
                {
                    matches.Add(member.Rule.Rule);
                    found++;
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Evaluates every rule of the event's group, bypassing the pre-filter. The reference the
    /// pre-filter is tested against (it must never lose a match) and the baseline of the benchmark.
    /// </summary>
    internal int MatchWithoutPrefilter(ISigmaEvent evt, List<SigmaRule> matches)
    {
        int found = 0;
        foreach (GroupMember member in _engine.GroupFor(evt).Members)
        {
            var ctx = new EvalContext(evt, member.Names);
            if (member.Rule.Root.Match(ctx) && !IsFiltered(member.Rule, ctx))
            {
                matches.Add(member.Rule.Rule);
                found++;
            }
        }

        return found;
    }

    private bool IsFiltered(CompiledRule rule, in EvalContext ctx)
    {
        List<CompiledFilter> filters = rule.Filters;
        for (int i = 0; i < filters.Count; i++)
        {
            if (filters[i].Root.Match(ctx))
            {
                Filtered++;
                return true;
            }
        }

        return false;
    }
}
