namespace Yamori.Sigma.Correlation;

/// <summary>
/// The state of one group of one correlation: its current window and the aggregates it needs.
/// Groups are linked in staleness order (intrusive list) so expiry and eviction are O(1).
/// </summary>
internal sealed class GroupWindow
{
    public GroupWindow(string key, string[] values, CorrelationRule rule, bool slidingWindow, int distinctCapacity, int sampleCapacity)
    {
        Key = key;
        Values = values;
        if (slidingWindow)
        {
            Slots = new TimeSlots();
        }

        switch (rule.Type)
        {
            case CorrelationType.ValueCount:
                Distinct = new DistinctValues(distinctCapacity);
                break;
            case CorrelationType.Temporal or CorrelationType.TemporalOrdered:
                Temporal = new TemporalProgress(rule.Rules.Count, rule.Type == CorrelationType.TemporalOrdered);
                break;
            case CorrelationType.ValuePercentile:
                Samples = new PercentileSample(sampleCapacity);
                break;
        }
    }

    public string Key { get; }

    /// <summary>The group-by values, in group-by order.</summary>
    public string[] Values { get; }

    public GroupWindow? Prev { get; set; }

    public GroupWindow? Next { get; set; }

    /// <summary>The window's first event: its anchor when judged at window end.</summary>
    public long StartTicks { get; set; }

    public long LastTicks { get; set; }

    /// <summary>Events and sum of a window judged at its end (a sliding window keeps them in <see cref="Slots"/>).</summary>
    public long Count { get; set; }

    public double Sum { get; set; }

    public TimeSlots? Slots { get; }

    public DistinctValues? Distinct { get; }

    public TemporalProgress? Temporal { get; }

    public PercentileSample? Samples { get; }

    public Ring<(long Ticks, string Ref)> Refs { get; } = new();

    public long EventCount => Slots?.Count ?? Count;

    public void AddRef(long ticks, string eventRef, int max)
    {
        if (max <= 0)
        {
            return;
        }

        if (Refs.Count >= max)
        {
            Refs.PopFront();
        }

        Refs.PushBack((ticks, eventRef));
    }

    /// <summary>Drops what fell out of a sliding window ending now.</summary>
    public void Evict(long cutoff)
    {
        Slots?.Evict(cutoff);
        Distinct?.Evict(cutoff);
        while (Refs.Count > 0 && Refs.Front.Ticks < cutoff)
        {
            Refs.PopFront();
        }
    }

    public string[] RefArray()
    {
        var refs = new string[Refs.Count];
        for (int i = 0; i < refs.Length; i++)
        {
            refs[i] = Refs[i].Ref;
        }

        return refs;
    }
}
