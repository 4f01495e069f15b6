namespace Yamori.Agent.Spool;

/// <summary>
/// What the journal keeps: sequence numbering, per-lane cursors, cumulative drop counts and the
/// manifest of every batch cut but not yet acknowledged. Segment contents are not in here: the
/// segments are scanned on open and classified against this state.
/// </summary>
internal sealed class SpoolState
{
    public const int Lanes = 3;

    public ulong NextSequence { get; set; } = 1;

    public ulong AcknowledgedSequence { get; set; }

    /// <summary>Per lane: every record before this position is in a batch or released.</summary>
    public SpoolPosition[] Cursors { get; } = new SpoolPosition[Lanes];

    public Dictionary<string, ulong> Dropped { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<ulong, RecordRef[]> Batches { get; } = [];

    public void AddDropped(string reason, ulong events)
    {
        if (events > 0)
        {
            Dropped[reason] = Dropped.GetValueOrDefault(reason) + events;
        }
    }
}

/// <summary>A position in a lane: segment number and byte offset in it, ordered.</summary>
internal readonly record struct SpoolPosition(uint Segment, long Offset) : IComparable<SpoolPosition>
{
    public int CompareTo(SpoolPosition other) =>
        Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    public static bool operator <(SpoolPosition a, SpoolPosition b) => a.CompareTo(b) < 0;

    public static bool operator >(SpoolPosition a, SpoolPosition b) => a.CompareTo(b) > 0;

    public static bool operator <=(SpoolPosition a, SpoolPosition b) => a.CompareTo(b) <= 0;

    public static bool operator >=(SpoolPosition a, SpoolPosition b) => a.CompareTo(b) >= 0;
}

/// <summary>Where one batched record lives, with its frame length so releasing it needs no read.</summary>
internal readonly record struct RecordRef(byte Lane, uint Segment, uint Offset, uint FrameLength);
