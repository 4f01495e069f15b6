using System.Globalization;
using Yamori.Sigma.Events;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Correlation;

/// <summary>
/// The live groups of one correlation rule. Sliding windows (<see cref="CorrelationTrigger.OnArrival"/>)
/// are kept in least-recently-updated order; anchored windows (<see cref="CorrelationTrigger.AtWindowEnd"/>)
/// in creation order, which is also closing order because observations arrive in time order.
/// Either way the head of the list is the next group to expire.
/// </summary>
internal sealed class CorrelationState
{
    private const char Separator = '\u001f';

    private readonly CorrelationEngine _engine;
    private readonly long _span;
    private readonly bool _sliding;
    private readonly long _granularity;
    private readonly int _maxGroups;
    private readonly int _maxRefs;
    private readonly int _distinctCapacity;
    private readonly int _sampleCapacity;
    private readonly string[][] _groupFields;
    private readonly string[][] _valueFields;
    private readonly string[] _scratch;
    private readonly Dictionary<string, GroupWindow> _groups = new(StringComparer.Ordinal);
    private GroupWindow? _head;
    private GroupWindow? _tail;
    private long _lastTicks = long.MinValue;

    public CorrelationState(CorrelationEngine engine, CorrelationRule rule, string[][] groupFields, string[][] valueFields, CorrelationOptions options)
    {
        _engine = engine;
        Rule = rule;
        _span = rule.Timespan.Ticks;
        _sliding = rule.Trigger == CorrelationTrigger.OnArrival;
        _granularity = Math.Max(1, _span / Math.Max(1, options.MaxEntriesPerGroup));
        _maxGroups = Math.Max(1, options.MaxGroupsPerCorrelation);
        _maxRefs = options.MaxEventRefsPerMatch;
        _sampleCapacity = Math.Max(1, options.MaxEntriesPerGroup);
        _distinctCapacity = Math.Max(1, options.MaxEntriesPerGroup);
        foreach (CorrelationBound b in rule.Condition.Bounds)
        {
            // A threshold above the cap could never be reached: let the rule's own threshold raise it.
            if (b.IsLowerBound && b.Value >= _distinctCapacity)
            {
                _distinctCapacity = (int)Math.Min(int.MaxValue - 1, Math.Floor(b.Value)) + 1;
            }
        }

        _groupFields = groupFields;
        _valueFields = valueFields;
        _scratch = new string[rule.GroupBy.Count];
    }

    public CorrelationRule Rule { get; }

    public int GroupCount => _groups.Count;

    /// <summary>When the head group expires (sliding) or its window closes (anchored); MaxValue when empty.</summary>
    public long HeadDeadline => _head is null ? long.MaxValue : (_sliding ? _head.LastTicks : _head.StartTicks) + _span;

    public void Observe(int ruleIndex, ISigmaEvent evt, long ticks, string? eventRef, IReadOnlyList<string>? refs, List<CorrelationMatch> output)
    {
        // Observations are expected in time order; a late one is treated as happening now.
        if (ticks < _lastTicks)
        {
            ticks = _lastTicks;
        }

        _lastTicks = ticks;
        if (!TryGroupKey(_groupFields[ruleIndex], evt, out string key))
        {
            _engine.SkippedEvents++;
            return;
        }

        string? distinct = null;
        double number = 0;
        switch (Rule.Type)
        {
            case CorrelationType.ValueCount when !TryDistinct(_valueFields[ruleIndex], evt, out distinct):
            case CorrelationType.ValueSum or CorrelationType.ValueAvg or CorrelationType.ValuePercentile when !TryNumber(_valueFields[ruleIndex][0], evt, out number):
                _engine.SkippedEvents++;
                return;
        }

        long cutoff = ticks - _span;
        if (!_groups.TryGetValue(key, out GroupWindow? g))
        {
            if (_groups.Count >= _maxGroups)
            {
                Remove(_head!);
                _engine.EvictedGroups++;
            }

            g = new GroupWindow(key, [.. _scratch], Rule, _sliding, _distinctCapacity, _sampleCapacity) { StartTicks = ticks };
            _groups.Add(key, g);
            Append(g);
            _engine.NoteDeadline(ticks + _span);
        }
        else if (_sliding)
        {
            g.Evict(cutoff);
            if (g.Slots!.Count == 0)
            {
                g.StartTicks = ticks;
            }

            Unlink(g);
            Append(g);
        }

        g.LastTicks = ticks;
        if (g.Slots is { } slots)
        {
            slots.Add(ticks, number, _granularity);
        }
        else
        {
            g.Count++;
            g.Sum += number;
        }

        if (distinct is not null)
        {
            _engine.EvictedEntries += g.Distinct!.Add(distinct, ticks);
        }

        g.Temporal?.Add(ruleIndex, ticks, _sliding ? cutoff : g.StartTicks);
        g.Samples?.Add(number);
        if (eventRef is not null)
        {
            g.AddRef(ticks, eventRef, _maxRefs);
        }
        else if (refs is not null)
        {
            for (int i = Math.Max(0, refs.Count - _maxRefs); i < refs.Count; i++)
            {
                g.AddRef(ticks, refs[i], _maxRefs);
            }
        }

        if (_sliding)
        {
            double value = Aggregate(g, cutoff);
            if (Rule.Condition.IsSatisfiedBy(value))
            {
                // Emit once, then start afresh: the burst that crossed the threshold is reported
                // one time instead of once per further event.
                Remove(g);
                Fire(g, value, g.Slots!.OldestTicks, ticks, output);
            }
        }
    }

    /// <summary>Expires the head group: an anchored window is judged now that it is complete.</summary>
    public void CloseHead(List<CorrelationMatch> output)
    {
        GroupWindow g = _head!;
        Remove(g);
        if (!_sliding)
        {
            double value = Aggregate(g, g.StartTicks);
            if (!double.IsNaN(value) && Rule.Condition.IsSatisfiedBy(value))
            {
                Fire(g, value, g.StartTicks, g.StartTicks + _span, output);
            }
        }
    }

    private double Aggregate(GroupWindow g, long cutoff) => Rule.Type switch
    {
        CorrelationType.EventCount => g.EventCount,
        CorrelationType.ValueCount => g.Distinct!.Count,
        CorrelationType.Temporal or CorrelationType.TemporalOrdered => g.Temporal!.Value(cutoff),
        CorrelationType.ValueSum => g.Slots?.Sum ?? g.Sum,
        CorrelationType.ValueAvg => g.Count == 0 ? double.NaN : g.Sum / g.Count,
        _ => g.Samples!.Percentile(Rule.Percentile ?? 50),
    };

    private void Fire(GroupWindow g, double value, long start, long end, List<CorrelationMatch> output)
    {
        var groupBy = new Dictionary<string, string>(g.Values.Length, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < g.Values.Length; i++)
        {
            groupBy[Rule.GroupBy[i]] = g.Values[i];
        }

        var match = new CorrelationMatch(Rule, groupBy, ToTime(start), ToTime(end), value, g.EventCount, g.RefArray());
        output.Add(match);
        _engine.OnFired(match, output);
    }

    private static DateTimeOffset ToTime(long ticks) =>
        new(Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);

    private bool TryGroupKey(string[] fields, ISigmaEvent evt, out string key)
    {
        for (int i = 0; i < fields.Length; i++)
        {
            // Like the backends' "stats … by", an event without a group-by value belongs to no group.
            if (!TryText(evt, fields[i], out string text))
            {
                key = string.Empty;
                return false;
            }

            _scratch[i] = text;
        }

        key = fields.Length switch
        {
            0 => string.Empty,
            1 => _scratch[0],
            _ => string.Join(Separator, _scratch),
        };
        return true;
    }

    private static bool TryDistinct(string[] fields, ISigmaEvent evt, out string? value)
    {
        if (fields.Length == 1)
        {
            bool ok = TryText(evt, fields[0], out string text);
            value = text;
            return ok;
        }

        // Several fields are joined with AND: distinct combinations are counted.
        var parts = new string[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            if (!TryText(evt, fields[i], out parts[i]))
            {
                value = null;
                return false;
            }
        }

        value = string.Join(Separator, parts);
        return true;
    }

    private static bool TryNumber(string field, ISigmaEvent evt, out double number)
    {
        number = 0;
        return TryText(evt, field, out string text) &&
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) &&
            double.IsFinite(number);
    }

    private static bool TryText(ISigmaEvent evt, string field, out string text)
    {
        if (evt.TryGetField(field, out FieldValue v))
        {
            switch (v.Kind)
            {
                case FieldKind.Null:
                    break;
                case FieldKind.Array:
                    if (v.Items is { Length: > 0 } items)
                    {
                        text = items.Length == 1 ? items[0] : string.Join(',', items);
                        return true;
                    }

                    break;
                default:
                    if (v.Text is { } t)
                    {
                        text = t;
                        return true;
                    }

                    break;
            }
        }

        text = string.Empty;
        return false;
    }

    private void Remove(GroupWindow g)
    {
        _groups.Remove(g.Key);
        Unlink(g);
    }

    private void Append(GroupWindow g)
    {
        g.Prev = _tail;
        g.Next = null;
        if (_tail is null)
        {
            _head = g;
        }
        else
        {
            _tail.Next = g;
        }

        _tail = g;
    }

    private void Unlink(GroupWindow g)
    {
        if (g.Prev is null)
        {
            _head = g.Next;
        }
        else
        {
            g.Prev.Next = g.Next;
        }

        if (g.Next is null)
        {
            _tail = g.Prev;
        }
        else
        {
            g.Next.Prev = g.Prev;
        }

        g.Prev = null;
        g.Next = null;
    }
}
