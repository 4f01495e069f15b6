using Yamori.Sigma.Matching;

namespace Yamori.Sigma.Engine;

/// <summary>A rule of a group, with the field names it reads on this group's events (renames applied).</summary>
internal readonly record struct GroupMember(CompiledRule Rule, string[] Names);

/// <summary>The literal pre-filter for one event field: an automaton over the literals of every rule that needs that field.</summary>
internal sealed record FieldScanner(string Field, AhoCorasick Automaton);

/// <summary>
/// Every rule that can apply to one kind of event (one channel + EventID combination, or one declared
/// log source), indexed for the literal pre-filter. Built once per kind, on first sight.
/// </summary>
internal sealed class RuleGroup
{
    /// <summary>Literals longer than this are cut to their last characters: any substring of a required literal is still required, and short patterns keep the DFA small.</summary>
    private const int MaxLiteral = 16;

    /// <summary>Pseudo field name of keyword literals, which may occur in any field.</summary>
    private const string AnyField = "\0any";

    public RuleGroup(string description, List<GroupMember> members)
    {
        Description = description;
        Members = [.. members];
        Words = (Members.Length + 63) >> 6;
        AlwaysBits = new ulong[Words];

        var byField = new Dictionary<string, Dictionary<string, List<int>>>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < Members.Length; i++)
        {
            Necessity? need = Members[i].Rule.Literals;
            if (need is null || need.Alternatives.Count == 0)
            {
                AlwaysBits[i >> 6] |= 1UL << (i & 63);
                continue;
            }

            foreach ((int slot, string literal) in need.Alternatives)
            {
                string field = slot == KeywordMatcher.AnyFieldSlot ? AnyField : Members[i].Names[slot];
                if (!byField.TryGetValue(field, out Dictionary<string, List<int>>? patterns))
                {
                    byField[field] = patterns = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
                }

                string key = literal.Length > MaxLiteral ? literal[^MaxLiteral..] : literal;
                if (!patterns.TryGetValue(key, out List<int>? list))
                {
                    patterns[key] = list = [];
                }

                if (list.Count == 0 || list[^1] != i)
                {
                    list.Add(i);
                }
            }
        }

        var scanners = new List<FieldScanner>(byField.Count);
        foreach ((string field, Dictionary<string, List<int>> patterns) in byField)
        {
            var literals = new List<string>(patterns.Count);
            var patternMembers = new int[patterns.Count][];
            foreach ((string literal, List<int> list) in patterns)
            {
                patternMembers[literals.Count] = [.. list];
                literals.Add(literal);
            }

            var automaton = new AhoCorasick(literals, patternMembers);
            if (field == AnyField)
            {
                AnyFieldScanner = automaton;
            }
            else
            {
                scanners.Add(new FieldScanner(field, automaton));
            }
        }

        Scanners = [.. scanners];
        int always = 0;
        foreach (ulong w in AlwaysBits)
        {
            always += System.Numerics.BitOperations.PopCount(w);
        }

        AlwaysCount = always;
    }

    public string Description { get; }

    public GroupMember[] Members { get; }

    public FieldScanner[] Scanners { get; }

    /// <summary>Keyword literals: scanned over every field value of the event; null when no rule has keywords.</summary>
    public AhoCorasick? AnyFieldScanner { get; }

    /// <summary>Members without a usable literal: evaluated on every event of the group.</summary>
    public ulong[] AlwaysBits { get; }

    public int AlwaysCount { get; }

    public int Words { get; }
}
