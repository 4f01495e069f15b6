using Yamori.Sigma.Events;

namespace Yamori.Sigma.Correlation;

/// <summary>A correlation that fired.</summary>
/// <param name="Rule">The correlation rule.</param>
/// <param name="GroupBy">The group's values, by <c>group-by</c> name (an alias name when aliased), in group-by order.</param>
/// <param name="WindowStart">The oldest event counted in the window (or the window's anchor, for <see cref="CorrelationTrigger.AtWindowEnd"/>).</param>
/// <param name="WindowEnd">The event that made the condition hold, or the window's end for <see cref="CorrelationTrigger.AtWindowEnd"/>.</param>
/// <param name="Value">The aggregate the condition held for: event count, distinct value count, distinct rule count
/// (temporal) or longest in-order chain (temporal_ordered), sum, average or percentile.</param>
/// <param name="EventCount">How many observations the window held (exact, unlike <paramref name="EventRefs"/>).</param>
/// <param name="EventRefs">References of the most recent contributing events, at most
/// <see cref="CorrelationOptions.MaxEventRefsPerMatch"/>.</param>
public sealed record CorrelationMatch(
    CorrelationRule Rule,
    IReadOnlyDictionary<string, string> GroupBy,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    double Value,
    long EventCount,
    IReadOnlyList<string> EventRefs);

/// <summary>Memory bounds of a <see cref="CorrelationEngine"/>.</summary>
public sealed record CorrelationOptions
{
    public static CorrelationOptions Default { get; } = new();

    /// <summary>
    /// Live groups per correlation. Beyond it the stalest group (least recently updated, or oldest
    /// window) is dropped and counted in <see cref="CorrelationEngine.EvictedGroups"/>.
    /// </summary>
    public int MaxGroupsPerCorrelation { get; init; } = 10_000;

    /// <summary>
    /// Stored entries per group: time slots of a sliding window (events closer together than
    /// timespan / this are counted in one slot), distinct values and percentile samples. Distinct
    /// values beyond it evict the least recently seen one (counted in <see cref="CorrelationEngine.EvictedEntries"/>);
    /// a value_count threshold above it raises the bound for that correlation so it can still fire.
    /// </summary>
    public int MaxEntriesPerGroup { get; init; } = 4_096;

    /// <summary>Event references kept per window and reported in <see cref="CorrelationMatch.EventRefs"/>.</summary>
    public int MaxEventRefsPerMatch { get; init; } = 100;
}

/// <summary>
/// A fired correlation seen as an event by the correlations that reference it: its fields are the
/// group-by values, so an outer correlation can group by the same names.
/// </summary>
internal sealed class CorrelationMatchEvent(CorrelationMatch match) : ISigmaEvent
{
    private readonly IReadOnlyDictionary<string, string> _fields = match.GroupBy;

    public int FieldCount => _fields.Count;

    public LogSourceHint Source => default;

    public DateTimeOffset? Timestamp => match.WindowEnd;

    public bool TryGetField(string name, out FieldValue value)
    {
        if (_fields.TryGetValue(name, out string? text))
        {
            value = FieldValue.FromString(text);
            return true;
        }

        value = default;
        return false;
    }

    public FieldValue GetFieldAt(int index, out string name)
    {
        int i = 0;
        foreach (KeyValuePair<string, string> kv in _fields)
        {
            if (i++ == index)
            {
                name = kv.Key;
                return FieldValue.FromString(kv.Value);
            }
        }

        throw new ArgumentOutOfRangeException(nameof(index));
    }
}
