using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Rules;

namespace Yamori.Bench;

/// <summary>One way of evaluating events against the rules; one instance per thread.</summary>
internal interface IEventMatcher
{
    /// <summary>Rule evaluations so far (matcher trees actually run).</summary>
    long Evaluations { get; }

    int Match(ISigmaEvent evt, List<SigmaRule> matches);
}

/// <summary>The engine as shipped: log-source group, then literal pre-filter, then the candidates.</summary>
internal sealed class PreFilteredMatcher(SigmaEngine engine) : IEventMatcher
{
    private readonly MatchSession _session = engine.CreateSession();

    public long Evaluations => _session.Evaluations;

    public int Match(ISigmaEvent evt, List<SigmaRule> matches) => _session.Match(evt, matches);
}

/// <summary>
/// The in-run baseline: the same log-source group, but every member evaluated, as an engine without
/// a pre-filter would. It uses the engine's own compiled rules and group lookup, so the ratio to
/// <see cref="PreFilteredMatcher"/> isolates what the pre-filter saves and nothing else.
/// </summary>
internal sealed class NaiveMatcher(SigmaEngine engine) : IEventMatcher
{
    public long Evaluations { get; private set; }

    public int Match(ISigmaEvent evt, List<SigmaRule> matches)
    {
        GroupMember[] members = engine.GroupFor(evt).Members;
        int found = 0;
        for (int i = 0; i < members.Length; i++)
        {
            GroupMember member = members[i];
            var ctx = new EvalContext(evt, member.Names);
            Evaluations++;
            if (member.Rule.Root.Match(ctx) && !IsFiltered(member.Rule, ctx))
            {
                matches.Add(member.Rule.Rule);
                found++;
            }
        }

        return found;
    }

    private static bool IsFiltered(CompiledRule rule, in EvalContext ctx)
    {
        List<CompiledFilter> filters = rule.Filters;
        for (int i = 0; i < filters.Count; i++)
        {
            if (filters[i].Root.Match(ctx))
            {
                return true;
            }
        }

        return false;
    }
}
