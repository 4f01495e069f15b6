using System.Diagnostics;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// Recent audit execs by pid, for the process collector's publisher to claim one per exec event.
/// A pid can exec twice within a millisecond (<c>sh -c 'exec x'</c>), so a pid's entries are
/// kept in order and claimed oldest first, and every exec event claims its entry, with or without
/// a command line of its own: otherwise an unclaimed entry would be handed to the pid's next exec.
/// An exec event whose entry has not arrived yet leaves a debt the entry settles when it comes.
/// Bounded by count and age; thread-safe (the feed adds, the publisher claims).
/// </summary>
internal sealed class AuditExecLookup(int capacity = 16_384)
{
    /// <summary>The audit stamp is taken at syscall entry, before the connector's exec event; this covers clock skew between the two.</summary>
    private static readonly TimeSpan After = TimeSpan.FromMilliseconds(20);

    /// <summary>How long an exec may take between its syscall entry and the connector's event (loading a large binary under load).</summary>
    private static readonly TimeSpan Before = TimeSpan.FromSeconds(1);

    private static readonly long MaxAgeTicks = Stopwatch.Frequency * 5;

    private readonly Dictionary<int, Entry> _newestByPid = [];
    private readonly Dictionary<int, DateTimeOffset> _debts = [];
    private readonly Queue<Entry> _order = new();
    private readonly object _gate = new(); // not Lock: the publisher waits on it with Monitor.Wait
    private long _version;

    /// <summary>Bumped on every arrival; a waiter compares it to know something new came.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Entries that settled a debt (the exec event had a command line, or gave up waiting).</summary>
    public long Settled { get; private set; }

    /// <summary>Entries dropped unclaimed (too old or over capacity): execs the connector did not report, or started before it.</summary>
    public long Unclaimed { get; private set; }

    public void Add(AuditExec exec)
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            if (_debts.TryGetValue(exec.ProcessId, out DateTimeOffset owed))
            {
                _debts.Remove(exec.ProcessId);
                if (exec.Timestamp <= owed + After && exec.Timestamp >= owed - Before)
                {
                    Settled++;
                    Interlocked.Increment(ref _version);
                    return;
                }
            }

            var entry = new Entry(exec, now);
            if (_newestByPid.TryGetValue(exec.ProcessId, out Entry? newest))
            {
                entry.Older = newest;
            }

            _newestByPid[exec.ProcessId] = entry;
            _order.Enqueue(entry);
            while (_order.Count > 0 && (_order.Count > capacity || now - _order.Peek().ArrivedTicks > MaxAgeTicks))
            {
                Evict(_order.Dequeue());
            }

            Interlocked.Increment(ref _version);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Claims the oldest entry of <paramref name="pid"/> that fits an exec at <paramref name="execTime"/>.
    /// When none is there and <paramref name="leaveDebt"/>, the next fitting arrival is discarded
    /// in its place (it belongs to this exec, not to the pid's next one).
    /// </summary>
    public AuditExec? Claim(int pid, DateTimeOffset execTime, bool leaveDebt)
    {
        lock (_gate)
        {
            Entry? found = null;
            for (Entry? e = _newestByPid.GetValueOrDefault(pid); e is not null; e = e.Older)
            {
                if (!e.Claimed && e.Exec.Timestamp <= execTime + After && e.Exec.Timestamp >= execTime - Before)
                {
                    found = e;
                }
            }

            if (found is not null)
            {
                found.Claimed = true;
                return found.Exec;
            }

            if (leaveDebt)
            {
                _debts[pid] = execTime;
                if (_debts.Count > capacity)
                {
                    _debts.Clear();
                }
            }

            return null;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for an arrival after <paramref name="seenVersion"/>.</summary>
    public void WaitForArrival(long seenVersion, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (Interlocked.Read(ref _version) == seenVersion && timeout > TimeSpan.Zero)
            {
                Monitor.Wait(_gate, timeout);
            }
        }
    }

    private void Evict(Entry oldest)
    {
        if (!oldest.Claimed)
        {
            Unclaimed++;
        }

        int pid = oldest.Exec.ProcessId;
        Entry? e = _newestByPid.GetValueOrDefault(pid);
        if (ReferenceEquals(e, oldest))
        {
            _newestByPid.Remove(pid);
            return;
        }

        // Entries leave in arrival order, so the evicted one is the tail of its pid's chain.
        while (e is not null && !ReferenceEquals(e.Older, oldest))
        {
            e = e.Older;
        }

        if (e is not null)
        {
            e.Older = null;
        }
    }

    private sealed class Entry(AuditExec exec, long arrivedTicks)
    {
        public AuditExec Exec { get; } = exec;

        public long ArrivedTicks { get; } = arrivedTicks;

        public Entry? Older { get; set; }

        public bool Claimed { get; set; }
    }
}
