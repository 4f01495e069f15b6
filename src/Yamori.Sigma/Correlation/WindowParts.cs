namespace Yamori.Sigma.Correlation;

/// <summary>A growable FIFO ring: sliding windows push at the back and expire at the front without copying.</summary>
internal sealed class Ring<T>
{
    private T[] _items = new T[4];
    private int _head;

    public int Count { get; private set; }

    public ref T Front => ref _items[_head];

    public ref T Back => ref _items[(_head + Count - 1) % _items.Length];

    public ref T this[int index] => ref _items[(_head + index) % _items.Length];

    public void PushBack(T item)
    {
        if (Count == _items.Length)
        {
            var grown = new T[_items.Length * 2];
            for (int i = 0; i < Count; i++)
            {
                grown[i] = this[i];
            }

            _items = grown;
            _head = 0;
        }

        _items[(_head + Count) % _items.Length] = item;
        Count++;
    }

    public T PopFront()
    {
        T item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        Count--;
        return item;
    }
}

/// <summary>
/// Event counts and sums of a sliding window, in time slots. Events closer than <c>granularity</c> to
/// the newest slot's first event share that slot, which bounds the slots to about timespan / granularity
/// whatever the event rate. A slot expires with its first event, so a dense burst at the window's edge
/// is undercounted by at most one slot: the engine errs towards not firing.
/// </summary>
internal sealed class TimeSlots
{
    private readonly Ring<(long First, long Count, double Sum)> _slots = new();

    public long Count { get; private set; }

    public double Sum { get; private set; }

    public long OldestTicks => _slots.Count > 0 ? _slots.Front.First : 0;

    public void Add(long ticks, double value, long granularity)
    {
        if (_slots.Count > 0 && ticks - _slots.Back.First < granularity)
        {
            ref (long First, long Count, double Sum) back = ref _slots.Back;
            back.Count++;
            back.Sum += value;
        }
        else
        {
            _slots.PushBack((ticks, 1, value));
        }

        Count++;
        Sum += value;
    }

    public void Evict(long cutoff)
    {
        while (_slots.Count > 0 && _slots.Front.First < cutoff)
        {
            (_, long count, double sum) = _slots.PopFront();
            Count -= count;
            Sum -= sum;
        }

        if (_slots.Count == 0)
        {
            // Drop the rounding residue of repeated subtraction.
            Sum = 0;
        }
    }
}

/// <summary>Distinct values with their last sighting, least recently seen first, capped.</summary>
internal sealed class DistinctValues(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Value, long Ticks)>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Value, long Ticks)> _order = new();

    public int Count => _index.Count;

    /// <summary>Records a sighting; returns how many values were evicted to stay within the capacity.</summary>
    public int Add(string value, long ticks)
    {
        if (_index.TryGetValue(value, out LinkedListNode<(string Value, long Ticks)>? node))
        {
            node.Value = (value, ticks);
            _order.Remove(node);
            _order.AddLast(node);
            return 0;
        }

        _index[value] = _order.AddLast((value, ticks));
        int evicted = 0;
        while (_index.Count > capacity)
        {
            _index.Remove(_order.First!.Value.Value);
            _order.RemoveFirst();
            evicted++;
        }

        return evicted;
    }

    public void Evict(long cutoff)
    {
        while (_order.First is { } first && first.Value.Ticks < cutoff)
        {
            _index.Remove(first.Value.Value);
            _order.RemoveFirst();
        }
    }
}

/// <summary>
/// Which referenced rules matched, and when. <c>temporal</c> counts the rules seen in the window;
/// <c>temporal_ordered</c> measures the longest chain of matches that follows the order of <c>rules</c>
/// (a subsequence, so with the default condition every rule must appear, in order).
/// </summary>
internal sealed class TemporalProgress
{
    private const long None = long.MinValue;
    private readonly long[] _lastSeen;

    // _chains[i * n + k - 1]: latest start of an in-order chain of k matches ending with rule i.
    private readonly long[]? _chains;
    private readonly int _n;

    public TemporalProgress(int ruleCount, bool ordered)
    {
        _n = ruleCount;
        _lastSeen = new long[ruleCount];
        Array.Fill(_lastSeen, None);
        if (ordered)
        {
            _chains = new long[ruleCount * ruleCount];
            Array.Fill(_chains, None);
        }
    }

    public void Add(int rule, long ticks, long cutoff)
    {
        _lastSeen[rule] = ticks;
        if (_chains is null)
        {
            return;
        }

        // Extend chains of earlier rules with this match; it never extends a chain ending in itself.
        int n = _n;
        _chains[rule * n] = ticks;
        for (int k = 2; k <= rule + 1; k++)
        {
            long best = None;
            for (int i = 0; i < rule; i++)
            {
                long start = _chains[i * n + k - 2];
                if (start >= cutoff && start > best)
                {
                    best = start;
                }
            }

            if (best != None && best > _chains[rule * n + k - 1])
            {
                _chains[rule * n + k - 1] = best;
            }
        }
    }

    /// <summary>Distinct rules (temporal) or longest in-order chain (temporal_ordered) within the window.</summary>
    public int Value(long cutoff)
    {
        int n = _n;
        if (_chains is null)
        {
            int seen = 0;
            foreach (long t in _lastSeen)
            {
                if (t != None && t >= cutoff)
                {
                    seen++;
                }
            }

            return seen;
        }

        for (int k = n; k >= 1; k--)
        {
            for (int i = k - 1; i < n; i++)
            {
                long start = _chains[i * n + k - 1];
                if (start != None && start >= cutoff)
                {
                    return k;
                }
            }
        }

        return 0;
    }
}

/// <summary>Numeric values for a percentile: all of them up to the capacity, then a uniform reservoir sample.</summary>
internal sealed class PercentileSample(int capacity)
{
    private readonly List<double> _values = [];
    private long _seen;
    private ulong _rng = 0x9E3779B97F4A7C15UL;

    public void Add(double value)
    {
        _seen++;
        if (_values.Count < capacity)
        {
            _values.Add(value);
            return;
        }

        // Algorithm R keeps every value with equal probability; a fixed-seed xorshift keeps runs reproducible.
        _rng ^= _rng << 13;
        _rng ^= _rng >> 7;
        _rng ^= _rng << 17;
        long slot = (long)(_rng % (ulong)_seen);
        if (slot < capacity)
        {
            _values[(int)slot] = value;
        }
    }

    /// <summary>The percentile by linear interpolation between closest ranks (numpy's default); NaN when empty.</summary>
    public double Percentile(double rank)
    {
        if (_values.Count == 0)
        {
            return double.NaN;
        }

        _values.Sort();
        double pos = rank / 100.0 * (_values.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, _values.Count - 1);
        return _values[lo] + ((_values[hi] - _values[lo]) * (pos - lo));
    }
}
