using System.Globalization;
using Yamori.Cloud.Events;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Incidents;

/// <summary>A process in an incident's tree.</summary>
/// <param name="EventId">The process_creation event; null for a parent known only from its child's Parent* fields.</param>
/// <param name="Involved">An alert of the incident fired on this process.</param>
public sealed record ProcessNode(
    long? EventId,
    DeviceId Device,
    DateTimeOffset? Time,
    string? Image,
    string? CommandLine,
    string? User,
    long? ProcessId,
    string? ProcessGuid,
    bool Involved,
    IReadOnlyList<ProcessNode> Children);

/// <summary>The process tree around an incident: involved processes, their ancestors and their descendants.</summary>
/// <param name="Truncated">More processes qualified than the size bound allowed.</param>
public sealed record ProcessTree(IReadOnlyList<ProcessNode> Roots, int NodeCount, bool Truncated);

/// <summary>
/// Links process_creation events into trees: by ProcessGuid/ParentProcessGuid when both sides have
/// them, else by ProcessId/ParentProcessId, taking the latest process with that pid created before
/// the child (Windows reuses pids).
/// </summary>
public static class ProcessTreeBuilder
{
    /// <summary>Builds the tree of the processes that <paramref name="isInvolved"/> marks, with ancestors and descendants, at most <paramref name="maxNodes"/> nodes.</summary>
    public static ProcessTree Build(IReadOnlyList<StoredEvent> processEvents, Func<StoredEvent, bool> isInvolved, int maxNodes = 500)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNodes);
        var procs = new List<Proc>(processEvents.Count);
        foreach (StoredEvent e in processEvents.OrderBy(e => e.Event.Time).ThenBy(e => e.Id))
        {
            procs.Add(new Proc(e, isInvolved(e)));
        }

        var byGuid = new Dictionary<string, Proc>(StringComparer.OrdinalIgnoreCase);
        var byPid = new Dictionary<(DeviceId, long), List<Proc>>();
        foreach (Proc p in procs)
        {
            if (p.Guid is { } g)
            {
                byGuid.TryAdd(g, p);
            }

            if (p.Pid is { } pid)
            {
                (byPid.TryGetValue((p.Event.Device, pid), out List<Proc>? list) ? list : byPid[(p.Event.Device, pid)] = []).Add(p);
            }
        }

        foreach (Proc child in procs)
        {
            Proc? parent = null;
            if (child.ParentGuid is { } pg && byGuid.TryGetValue(pg, out Proc? byG) && byG != child)
            {
                parent = byG;
            }
            else if (child.ParentPid is { } ppid && byPid.TryGetValue((child.Event.Device, ppid), out List<Proc>? same))
            {
                // Latest creation of that pid at or before the child: an older holder of the pid had exited.
                for (int i = same.Count - 1; i >= 0; i--)
                {
                    if (same[i] != child && same[i].Event.Event.Time <= child.Event.Event.Time &&
                        (child.ParentGuid is null || same[i].Guid is null))
                    {
                        parent = same[i];
                        break;
                    }
                }
            }

            if (parent is not null)
            {
                child.Parent = parent;
                parent.Children.Add(child);
            }
        }

        // Selection: involved processes, their ancestors, then their descendants, within the bound.
        var selected = new HashSet<Proc>();
        bool truncated = false;
        foreach (Proc p in procs.Where(p => p.Involved))
        {
            for (Proc? a = p; a is not null && !selected.Contains(a); a = a.Parent)
            {
                if (selected.Count >= maxNodes)
                {
                    truncated = true;
                    break;
                }

                selected.Add(a);
            }
        }

        var queue = new Queue<Proc>(procs.Where(p => p.Involved));
        while (queue.Count > 0)
        {
            foreach (Proc c in queue.Dequeue().Children)
            {
                if (selected.Contains(c))
                {
                    continue;
                }

                if (selected.Count >= maxNodes)
                {
                    truncated = true;
                    queue.Clear();
                    break;
                }

                selected.Add(c);
                queue.Enqueue(c);
            }
        }

        var roots = new List<ProcessNode>();
        var synthetic = new Dictionary<string, (ProcessNode Template, List<ProcessNode> Children)>(StringComparer.OrdinalIgnoreCase);
        foreach (Proc p in procs.Where(p => selected.Contains(p) && (p.Parent is null || !selected.Contains(p.Parent))))
        {
            ProcessNode node = ToNode(p, selected);
            string? parentImage = Field(p.Event.Event, "ParentImage");
            if (p.Parent is null && parentImage is not null)
            {
                // The parent started before the window: show it from the child's Parent* fields.
                string key = p.ParentGuid ?? (p.Event.Device + "/" + (p.ParentPid?.ToString(CultureInfo.InvariantCulture) ?? parentImage));
                if (!synthetic.TryGetValue(key, out var entry))
                {
                    entry = (new ProcessNode(null, p.Event.Device, null, parentImage, Field(p.Event.Event, "ParentCommandLine"), Field(p.Event.Event, "ParentUser"), p.ParentPid, p.ParentGuid, false, []), []);
                    synthetic[key] = entry;
                }

                entry.Children.Add(node);
                continue;
            }

            roots.Add(node);
        }

        foreach ((ProcessNode template, List<ProcessNode> children) in synthetic.Values)
        {
            roots.Add(template with { Children = children });
        }

        roots.Sort((a, b) => Nullable.Compare(a.Time ?? a.Children.Min(c => c.Time), b.Time ?? b.Children.Min(c => c.Time)));
        return new ProcessTree(roots, selected.Count + synthetic.Count, truncated);
    }

    /// <summary>Whether a stored event is a process creation (declared category, Sysmon 1 or Security 4688).</summary>
    public static bool IsProcessCreation(TelemetryEvent e)
    {
        if (string.Equals(e.Source.Category, "process_creation", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        long? id = Number(e, "EventID");
        string? channel = Field(e, "Channel");
        return (id == 1 && channel is not null && channel.Contains("Sysmon", StringComparison.OrdinalIgnoreCase)) ||
            (id == 4688 && string.Equals(channel, "Security", StringComparison.OrdinalIgnoreCase));
    }

    private static ProcessNode ToNode(Proc p, HashSet<Proc> selected)
    {
        var children = new List<ProcessNode>();
        foreach (Proc c in p.Children)
        {
            if (selected.Contains(c))
            {
                children.Add(ToNode(c, selected));
            }
        }

        TelemetryEvent e = p.Event.Event;
        return new ProcessNode(p.Event.Id, p.Event.Device, e.Time, Field(e, "Image") ?? Field(e, "NewProcessName"), Field(e, "CommandLine"), Field(e, "User") ?? Field(e, "SubjectUserName"), p.Pid, p.Guid, p.Involved, children);
    }

    internal static string? Field(TelemetryEvent e, string name) =>
        e.TryGetField(name, out EventValue v) ? v.Kind switch
        {
            EventValueKind.String => v.AsString.Length == 0 ? null : v.AsString,
            EventValueKind.Null => null,
            _ => v.ToString(),
        } : null;

    internal static long? Number(TelemetryEvent e, string name)
    {
        if (!e.TryGetField(name, out EventValue v))
        {
            return null;
        }

        if (v.Kind == EventValueKind.Int64)
        {
            return v.AsInt64;
        }

        if (v.Kind == EventValueKind.String)
        {
            string s = v.AsString.Trim();
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                return long.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long hex) ? hex : null;
            }

            return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : null;
        }

        return null;
    }

    internal static string? Guid(TelemetryEvent e, string name) => Field(e, name)?.Trim('{', '}', ' ');

    private sealed class Proc(StoredEvent e, bool involved)
    {
        public StoredEvent Event { get; } = e;

        public bool Involved { get; } = involved;

        public string? Guid { get; } = ProcessTreeBuilder.Guid(e.Event, "ProcessGuid");

        public string? ParentGuid { get; } = ProcessTreeBuilder.Guid(e.Event, "ParentProcessGuid");

        // Security 4688 names the new process NewProcessId and its creator ProcessId; Sysmon 1 uses ProcessId/ParentProcessId.
        public long? Pid { get; } = Number(e.Event, "NewProcessId") ?? Number(e.Event, "ProcessId");

        public long? ParentPid { get; } = Number(e.Event, "ParentProcessId") ?? (Number(e.Event, "NewProcessId") is null ? null : Number(e.Event, "ProcessId"));

        public Proc? Parent { get; set; }

        public List<Proc> Children { get; } = [];
    }
}
