using System.Runtime.InteropServices;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// What the receive loop knows about live processes, from fork/exec/comm events: parent pid,
/// image and command line. It is how a short-lived child gets its parent pid after /proc has gone,
/// and how its parent's image is known after the parent has exited. Entries of exited processes
/// are kept for the next <c>retainAfterExit</c> exits (a ring), because children's exec events
/// can still be in flight. Single-threaded: only the receive loop touches it.
/// </summary>
internal sealed class ProcessTable(int retainAfterExit = 4096, int maxEntries = 262_144)
{
    private readonly Dictionary<int, Entry> _entries = [];
    private readonly (int Pid, long Generation)[] _exited = new (int, long)[retainAfterExit];
    private int _exitedNext;
    private long _generation;

    public int Count => _entries.Count;

    /// <summary>A new process (not a thread): it runs its parent's image until it execs.</summary>
    public void OnFork(int parentTgid, int childPid)
    {
        // Exits lost in an overrun would leak entries; past the cap start over (parents re-read from /proc).
        if (_entries.Count >= maxEntries)
        {
            _entries.Clear();
        }

        _entries.TryGetValue(parentTgid, out Entry parent);
        _entries[childPid] = new Entry(parentTgid, parent.Image, parent.CommandLine, parent.Comm, ++_generation);
    }

    /// <summary>The parent pid from the fork event, or -1 if the fork predates us.</summary>
    public int ParentOf(int pid) => _entries.TryGetValue(pid, out Entry e) ? e.ParentPid : -1;

    public void OnExec(int pid, int parentPid, string? image, string? commandLine)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, pid, out bool existed);
        entry = new Entry(parentPid >= 0 ? parentPid : existed ? entry.ParentPid : -1, image, commandLine, existed ? entry.Comm : null, ++_generation);
    }

    public void OnComm(int pid, string comm)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, pid, out bool existed);
        entry = existed ? entry with { Comm = comm } : new Entry(-1, null, null, comm, ++_generation);
    }

    /// <summary>Known image and command line of a process (from its exec, or inherited at fork).</summary>
    public bool TryGet(int pid, out string? image, out string? commandLine, out string? comm)
    {
        if (_entries.TryGetValue(pid, out Entry e))
        {
            image = e.Image;
            commandLine = e.CommandLine;
            comm = e.Comm;
            return true;
        }

        image = commandLine = comm = null;
        return false;
    }

    /// <summary>Remembers a process that predates the collector, read from /proc on demand.</summary>
    public void Learn(int pid, string? image, string? commandLine)
    {
        if (!_entries.ContainsKey(pid))
        {
            _entries[pid] = new Entry(-1, image, commandLine, null, ++_generation);
        }
    }

    public void OnExit(int pid)
    {
        if (!_entries.TryGetValue(pid, out Entry e))
        {
            return;
        }

        // Evict the entry that leaves the ring, unless its pid was reused since (newer generation).
        (int oldPid, long oldGeneration) = _exited[_exitedNext];
        if (oldGeneration != 0 && _entries.TryGetValue(oldPid, out Entry old) && old.Generation == oldGeneration)
        {
            _ = _entries.Remove(oldPid);
        }

        _exited[_exitedNext] = (pid, e.Generation);
        _exitedNext = (_exitedNext + 1) % _exited.Length;
    }

    private readonly record struct Entry(int ParentPid, string? Image, string? CommandLine, string? Comm, long Generation);
}
