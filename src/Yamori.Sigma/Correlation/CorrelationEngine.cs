using Yamori.Sigma.Events;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Correlation;

/// <summary>
/// Evaluates Sigma correlation rules over the stream of detection matches.
/// </summary>
/// <remarks>
/// <para>Feed every (rule, event) detection match to <see cref="Observe"/> in time order. Each correlation
/// keeps one window per group (the values of its <c>group-by</c> fields, read through <c>aliases</c>).
/// Events that lack a group-by value, or the numeric <c>field</c> of value_sum/avg/percentile, are skipped
/// (<see cref="SkippedEvents"/>), as a backend's <c>stats … by</c> would.</para>
/// <para>Emit policy, by <see cref="CorrelationRule.Trigger"/>:
/// <list type="bullet">
/// <item><see cref="CorrelationTrigger.OnArrival"/> (counts, distinct counts, sums and temporal types with only
/// <c>gt</c>/<c>gte</c>): a sliding window of <c>timespan</c> ending at each event, inclusive. The match is
/// emitted on the event that makes the condition hold, then the group starts afresh, so a burst is reported
/// once (as a backend reports one row per window) rather than once per further event.</item>
/// <item><see cref="CorrelationTrigger.AtWindowEnd"/> (any <c>lt</c>/<c>lte</c>/<c>eq</c>/<c>neq</c>, and every
/// value_avg/value_percentile): the window is anchored at the group's first event and judged once when it
/// closes (time passes first event + timespan, seen through <see cref="Observe"/> or <see cref="AdvanceTo"/>,
/// or at <see cref="Flush"/>); judging earlier would fire on the first event of every group.</item>
/// </list></para>
/// <para>Correlations may reference correlations: a fired correlation is observed by the correlations that
/// reference it, as an event whose fields are its group-by values, at its window end. <see cref="Observe"/>'s
/// output holds every fired correlation, inner ones included; hide those for which
/// <see cref="SuppressesOwnMatches"/> is true, as for detection rules.</para>
/// <para>References are resolved at construction. A correlation whose references cannot be resolved (unknown
/// id or name, a correlation not given to the engine, a cycle, an alias naming a rule it does not list) is
/// disabled and reported in <see cref="Errors"/>; the others run. Not thread-safe.</para>
/// </remarks>
public sealed class CorrelationEngine
{
    private const string Reason = "correlation";

    private readonly Dictionary<SigmaRuleBase, (CorrelationState State, int Index)[]> _subscriptions = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<SigmaRuleBase> _referenced = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<SigmaRuleBase> _generated = new(ReferenceEqualityComparer.Instance);
    private readonly List<CorrelationState> _states = [];
    private readonly List<RuleError> _errors = [];
    private long _now = long.MinValue;
    private long _nextDeadline = long.MaxValue;

    public CorrelationEngine(IEnumerable<CorrelationRule> correlations, Func<string, SigmaRuleBase?> resolve, CorrelationOptions? options = null)
    {
        Options = options ?? CorrelationOptions.Default;
        List<CorrelationRule> all = [.. correlations];
        var resolved = new Dictionary<CorrelationRule, SigmaRuleBase[]>(ReferenceEqualityComparer.Instance);
        var aliases = new Dictionary<CorrelationRule, Dictionary<string, Dictionary<SigmaRuleBase, string>>>(ReferenceEqualityComparer.Instance);
        var known = new HashSet<SigmaRuleBase>(all, ReferenceEqualityComparer.Instance);
        foreach (CorrelationRule c in all)
        {
            if (Resolve(c, resolve, known) is { } targets && ResolveAliases(c, targets, resolve) is { } map)
            {
                resolved[c] = targets;
                aliases[c] = map;
            }
        }

        CorrelationGraph.DisableCyclesAndDependents(all, resolved, this);
        var active = new List<CorrelationRule>();
        var byRule = new Dictionary<SigmaRuleBase, List<(CorrelationState, int)>>(ReferenceEqualityComparer.Instance);
        foreach (CorrelationRule c in all)
        {
            if (!resolved.TryGetValue(c, out SigmaRuleBase[]? targets))
            {
                continue;
            }

            var state = new CorrelationState(this, c, FieldsPerRule(c.GroupBy, targets, aliases[c]), FieldsPerRule(c.Condition.Fields, targets, aliases[c]), Options);
            _states.Add(state);
            active.Add(c);
            for (int i = 0; i < targets.Length; i++)
            {
                if (!byRule.TryGetValue(targets[i], out List<(CorrelationState, int)>? list))
                {
                    byRule[targets[i]] = list = [];
                }

                list.Add((state, i));
                _referenced.Add(targets[i]);
                if (c.Generate)
                {
                    _generated.Add(targets[i]);
                }
            }
        }

        foreach (KeyValuePair<SigmaRuleBase, List<(CorrelationState, int)>> kv in byRule)
        {
            _subscriptions[kv.Key] = [.. kv.Value];
        }

        Correlations = active;
    }

    public CorrelationOptions Options { get; }

    /// <summary>The correlations that run (those without reference errors).</summary>
    public IReadOnlyList<CorrelationRule> Correlations { get; }

    /// <summary>Why correlations were disabled: file, line of the offending reference, correlation id, reason.</summary>
    public IReadOnlyList<RuleError> Errors => _errors;

    /// <summary>Live groups over all correlations.</summary>
    public int GroupCount
    {
        get
        {
            int n = 0;
            foreach (CorrelationState s in _states)
            {
                n += s.GroupCount;
            }

            return n;
        }
    }

    /// <summary>Groups dropped before their window ended because a correlation reached <see cref="CorrelationOptions.MaxGroupsPerCorrelation"/>.</summary>
    public long EvictedGroups { get; internal set; }

    /// <summary>Distinct values dropped because a group reached <see cref="CorrelationOptions.MaxEntriesPerGroup"/>.</summary>
    public long EvictedEntries { get; internal set; }

    /// <summary>Observations ignored for lack of a group-by value or of a numeric value to aggregate.</summary>
    public long SkippedEvents { get; internal set; }

    /// <summary>A resolver over loaded rules: by id first, then by name (both ordinal).</summary>
    public static Func<string, SigmaRuleBase?> CreateResolver(IEnumerable<SigmaRuleBase> rules)
    {
        var byId = new Dictionary<string, SigmaRuleBase>(StringComparer.Ordinal);
        var byName = new Dictionary<string, SigmaRuleBase>(StringComparer.Ordinal);
        foreach (SigmaRuleBase r in rules)
        {
            byId.TryAdd(r.Id, r);
            if (r.Name is { Length: > 0 } name)
            {
                byName.TryAdd(name, r);
            }
        }

        return reference => byId.TryGetValue(reference, out SigmaRuleBase? r) || byName.TryGetValue(reference, out r) ? r : null;
    }

    /// <summary>True when the rule is referenced by a running correlation and none of those has <c>generate: true</c>.</summary>
    public bool SuppressesOwnMatches(SigmaRuleBase rule) => _referenced.Contains(rule) && !_generated.Contains(rule);

    /// <summary>Whether any running correlation references the rule, i.e. whether <see cref="Observe"/> cares about it.</summary>
    public bool IsReferenced(SigmaRuleBase rule) => _referenced.Contains(rule);

    /// <summary>Records a detection match and appends the correlations it (or the passing of time) fired.</summary>
    public void Observe(SigmaRuleBase matched, ISigmaEvent evt, string eventRef, DateTimeOffset timestamp, List<CorrelationMatch> output)
    {
        long ticks = Advance(timestamp.UtcTicks);
        if (ticks > _nextDeadline)
        {
            Sweep(ticks, output, flush: false);
        }

        Dispatch(matched, evt, ticks, eventRef, null, output);
    }

    /// <summary>Moves time forward without an event: expires idle groups and judges windows that have closed.</summary>
    public void AdvanceTo(DateTimeOffset now, List<CorrelationMatch> output)
    {
        long ticks = Advance(now.UtcTicks);
        if (ticks > _nextDeadline)
        {
            Sweep(ticks, output, flush: false);
        }
    }

    /// <summary>End of input: judges every open window as if it had closed, then forgets all state.</summary>
    public void Flush(List<CorrelationMatch> output) => Sweep(long.MaxValue, output, flush: true);

    internal void NoteDeadline(long deadline)
    {
        if (deadline < _nextDeadline)
        {
            _nextDeadline = deadline;
        }
    }

    internal void OnFired(CorrelationMatch match, List<CorrelationMatch> output)
    {
        if (_subscriptions.ContainsKey(match.Rule))
        {
            Dispatch(match.Rule, new CorrelationMatchEvent(match), match.WindowEnd.UtcTicks, null, match.EventRefs, output);
        }
    }

    internal void Disable(CorrelationRule c, int line, string message) =>
        _errors.Add(new RuleError(c.Location.File, line, c.Id, Reason, message));

    private long Advance(long ticks)
    {
        if (ticks > _now)
        {
            _now = ticks;
        }

        return _now;
    }

    private void Dispatch(SigmaRuleBase rule, ISigmaEvent evt, long ticks, string? eventRef, IReadOnlyList<string>? refs, List<CorrelationMatch> output)
    {
        if (!_subscriptions.TryGetValue(rule, out (CorrelationState State, int Index)[]? subs))
        {
            return;
        }

        foreach ((CorrelationState state, int index) in subs)
        {
            state.Observe(index, evt, ticks, eventRef, refs, output);
        }
    }

    /// <summary>
    /// Expires groups in deadline order across correlations, so that correlations fired by closing
    /// windows reach the correlations that reference them in time order.
    /// </summary>
    private void Sweep(long now, List<CorrelationMatch> output, bool flush)
    {
        while (true)
        {
            CorrelationState? best = null;
            long first = long.MaxValue, second = long.MaxValue;
            foreach (CorrelationState s in _states)
            {
                long d = s.HeadDeadline;
                if (d < first)
                {
                    second = first;
                    first = d;
                    best = s;
                }
                else if (d < second)
                {
                    second = d;
                }
            }

            if (best is null || first == long.MaxValue || (!flush && first >= now))
            {
                _nextDeadline = first;
                return;
            }

            // Close this correlation's heads in a row while no other correlation is due first; a firing
            // may have created windows elsewhere, so re-pick after one.
            while (true)
            {
                int before = output.Count;
                best.CloseHead(output);
                long next = best.HeadDeadline;
                if (output.Count != before || next == long.MaxValue || next > second || (!flush && next >= now))
                {
                    break;
                }
            }
        }
    }

    private SigmaRuleBase[]? Resolve(CorrelationRule c, Func<string, SigmaRuleBase?> resolve, HashSet<SigmaRuleBase> known)
    {
        var targets = new SigmaRuleBase[c.Rules.Count];
        for (int i = 0; i < targets.Length; i++)
        {
            string reference = c.Rules[i];
            int line = i < c.RuleLines.Count ? c.RuleLines[i] : c.Location.Line;
            SigmaRuleBase? target = resolve(reference);
            string? problem = target switch
            {
                null => $"'correlation.rules' entry '{reference}' is not the id or name of any loaded rule",
                _ when ReferenceEquals(target, c) => $"'correlation.rules' entry '{reference}' is this correlation itself",
                CorrelationRule when !known.Contains(target) => $"'correlation.rules' entry '{reference}' is a correlation that was not given to the engine",
                _ => null,
            };
            for (int j = 0; problem is null && j < i; j++)
            {
                if (ReferenceEquals(targets[j], target))
                {
                    problem = $"'correlation.rules' entries '{c.Rules[j]}' and '{reference}' are the same rule";
                }
            }

            if (problem is not null)
            {
                Disable(c, line, problem);
                return null;
            }

            targets[i] = target!;
        }

        return targets;
    }

    private Dictionary<string, Dictionary<SigmaRuleBase, string>>? ResolveAliases(CorrelationRule c, SigmaRuleBase[] targets, Func<string, SigmaRuleBase?> resolve)
    {
        var result = new Dictionary<string, Dictionary<SigmaRuleBase, string>>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, IReadOnlyDictionary<string, string>> alias in c.Aliases)
        {
            var perRule = new Dictionary<SigmaRuleBase, string>(ReferenceEqualityComparer.Instance);
            foreach (KeyValuePair<string, string> entry in alias.Value)
            {
                SigmaRuleBase? target = resolve(entry.Key);
                if (target is null || Array.IndexOf(targets, target) < 0)
                {
                    int line = c.AliasLines.TryGetValue((alias.Key, entry.Key), out int l) ? l : c.Location.Line;
                    Disable(c, line, target is null
                        ? $"'correlation.aliases.{alias.Key}' names rule '{entry.Key}', which is not the id or name of any loaded rule"
                        : $"'correlation.aliases.{alias.Key}' names rule '{entry.Key}', which is not listed in 'correlation.rules'");
                    return null;
                }

                perRule[target] = entry.Value;
            }

            result[alias.Key] = perRule;
        }

        return result;
    }

    /// <summary>For each referenced rule, the event field behind each name: its alias mapping, else the name itself.</summary>
    private static string[][] FieldsPerRule(IReadOnlyList<string> names, SigmaRuleBase[] targets, Dictionary<string, Dictionary<SigmaRuleBase, string>> aliases)
    {
        var result = new string[targets.Length][];
        for (int i = 0; i < targets.Length; i++)
        {
            result[i] = new string[names.Count];
            for (int f = 0; f < names.Count; f++)
            {
                result[i][f] = aliases.TryGetValue(names[f], out Dictionary<SigmaRuleBase, string>? perRule) &&
                    perRule.TryGetValue(targets[i], out string? field)
                    ? field
                    : names[f];
            }
        }

        return result;
    }
}
