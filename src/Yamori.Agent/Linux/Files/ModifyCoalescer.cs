namespace Yamori.Agent.Linux.Files;

/// <summary>
/// Folds repeated modifications of one file by one process into one pending entry that is
/// emitted, with its count, when the window closes, when another event touches the same file
/// (so order is kept), or when too many entries wait.
/// </summary>
internal sealed class ModifyCoalescer(TimeSpan window, int maxPending)
{
    private readonly long _windowMs = (long)window.TotalMilliseconds;
    private readonly LinkedList<PendingModify> _order = new();
    private readonly Dictionary<(int Pid, string Path), LinkedListNode<PendingModify>> _index = [];

    public int Count => _order.Count;

    /// <summary>Milliseconds (Environment.TickCount64 clock) at which the oldest entry is due; null when none waits.</summary>
    public long? NextDueMs => _order.First?.Value.DueMs;

    /// <summary>Counts one more modification if (pid, path) is already waiting.</summary>
    public bool TryBump(int pid, string path)
    {
        if (_index.TryGetValue((pid, path), out LinkedListNode<PendingModify>? node))
        {
            node.Value.Count++;
            return true;
        }

        return false;
    }

    /// <summary>Starts a new window for (pid, path); returns an entry pushed out early by the size bound, if any.</summary>
    public PendingModify? Add(PendingModify entry, long nowMs)
    {
        entry.DueMs = nowMs + _windowMs;
        _index[(entry.Pid, entry.Path)] = _order.AddLast(entry);
        return _order.Count > maxPending ? RemoveFirst() : null;
    }

    /// <summary>Removes and returns the oldest entry if it is due at <paramref name="nowMs"/>.</summary>
    public PendingModify? TakeDue(long nowMs) =>
        _order.First is { } first && first.Value.DueMs <= nowMs ? RemoveFirst() : null;

    /// <summary>Removes and returns any one waiting entry for <paramref name="path"/> (any process).</summary>
    public PendingModify? TakeForPath(string path)
    {
        for (LinkedListNode<PendingModify>? n = _order.First; n is not null; n = n.Next)
        {
            if (string.Equals(n.Value.Path, path, StringComparison.Ordinal))
            {
                _order.Remove(n);
                _index.Remove((n.Value.Pid, n.Value.Path));
                return n.Value;
            }
        }

        return null;
    }

    /// <summary>Removes and returns the oldest entry regardless of its due time (shutdown).</summary>
    public PendingModify? TakeAny() => _order.First is null ? null : RemoveFirst();

    private PendingModify RemoveFirst()
    {
        PendingModify first = _order.First!.Value;
        _order.RemoveFirst();
        _index.Remove((first.Pid, first.Path));
        return first;
    }
}

/// <summary>A modification waiting in the coalescing window.</summary>
internal sealed class PendingModify(int pid, string path, string image, string? user, bool isDirectory, DateTimeOffset first)
{
    public int Pid { get; } = pid;

    public string Path { get; } = path;

    public string Image { get; } = image;

    public string? User { get; } = user;

    public bool IsDirectory { get; } = isDirectory;

    public DateTimeOffset First { get; } = first;

    public long DueMs { get; set; }

    public int Count { get; set; } = 1;
}
