namespace Yamori.Agent.Windows;

/// <summary>
/// One event-log channel to subscribe to. <paramref name="Query"/> narrows it: an XPath filter
/// over the channel (<c>*[System[(EventID=4688)]]</c>), or a whole structured query
/// (<c>&lt;QueryList&gt;…</c>) used as given; null takes every event of the channel.
/// </summary>
public sealed record WindowsEventChannel(string Name, string? Query = null)
{
    /// <summary>A channel filtered to these event ids (a structured query: ranges merged, long lists split).</summary>
    public static WindowsEventChannel WithEventIds(string name, params int[] eventIds) =>
        new(name, EventLogQuery.ForEventIds(name, eventIds));
}

/// <summary>Settings of <see cref="WindowsEventCollector"/>.</summary>
public sealed record WindowsEventCollectorOptions
{
    /// <summary>
    /// The agent's data directory; each channel's bookmark is kept under <c>windows-bookmarks/</c>
    /// there, so a restart resumes after the last event read.
    /// </summary>
    public required string DataDirectory { get; init; }

    /// <summary>The channels to read; <see cref="DefaultChannels"/> unless configured.</summary>
    public IReadOnlyList<WindowsEventChannel> Channels { get; init; } = DefaultChannels;

    /// <summary>
    /// Where a channel without a bookmark starts: false (the default) with the next new event, so a
    /// fresh install does not ship the whole retained log; true with the oldest retained record.
    /// </summary>
    public bool StartAtOldestRecord { get; init; }

    /// <summary>Event handles fetched per EvtNext call.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// How often a bookmark is written while events flow (and always when the collector stops).
    /// After a crash, at most this much is read again; nothing is skipped.
    /// </summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a reader waits for the channel's signal before looking anyway (a missed signal costs at most this).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a channel waits before resubscribing (from its bookmark) after a read error.</summary>
    public TimeSpan ResubscribeDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Security events SigmaHQ's rules and the SOC use: logons, process creation, services, accounts and groups, audit and log tampering, scheduled tasks, Kerberos/NTLM, directory changes.</summary>
    public static readonly IReadOnlyList<int> SecurityEventIds =
    [
        1100, 1102, 4616, 4624, 4625, 4634, 4647, 4648, 4656, 4657, 4661, 4662, 4663, 4672, 4673, 4674,
        4688, 4689, 4697, 4698, 4699, 4700, 4701, 4702, 4703, 4704, 4706, 4713, 4719, 4720, 4722, 4723,
        4724, 4725, 4726, 4727, 4728, 4729, 4732, 4733, 4735, 4737, 4738, 4740, 4741, 4742, 4754, 4755,
        4756, 4757, 4765, 4766, 4767, 4768, 4769, 4771, 4776, 4778, 4779, 4781, 4794, 4798, 4799, 4825,
        4886, 4887, 4898, 4899, 4904, 4905, 4907, 4946, 4947, 4948, 4950, 4964, 5001, 5007, 5024, 5025,
        5136, 5137, 5140, 5141, 5142, 5144, 5145, 5156, 5379, 5382, 5805, 6416, 6423, 6424,
    ];

    /// <summary>
    /// Sysmon (all), Security (<see cref="SecurityEventIds"/>), PowerShell (4103, 4104), Windows
    /// PowerShell (400, 403, 600, 800), Windows Defender (all) and System (service installs, log
    /// clears, service start-type changes: 104, 7034, 7036, 7040, 7045).
    /// </summary>
    public static readonly IReadOnlyList<WindowsEventChannel> DefaultChannels =
    [
        new("Microsoft-Windows-Sysmon/Operational"),
        WindowsEventChannel.WithEventIds("Security", [.. SecurityEventIds]),
        WindowsEventChannel.WithEventIds("Microsoft-Windows-PowerShell/Operational", 4103, 4104),
        WindowsEventChannel.WithEventIds("Windows PowerShell", 400, 403, 600, 800),
        new("Microsoft-Windows-Windows Defender/Operational"),
        WindowsEventChannel.WithEventIds("System", 104, 7034, 7036, 7040, 7045),
    ];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("DataDirectory must name the agent's data directory", nameof(DataDirectory));
        }

        if (Channels.Count == 0)
        {
            throw new ArgumentException("at least one channel is needed", nameof(Channels));
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (WindowsEventChannel c in Channels)
        {
            if (string.IsNullOrWhiteSpace(c.Name))
            {
                throw new ArgumentException("a channel has an empty name", nameof(Channels));
            }

            if (!seen.Add(c.Name))
            {
                throw new ArgumentException($"channel '{c.Name}' is listed twice (one bookmark per channel): merge its queries", nameof(Channels));
            }
        }

        if (BatchSize is < 1 or > 1024)
        {
            throw new ArgumentException($"BatchSize must be 1–1024, not {BatchSize}", nameof(BatchSize));
        }

        if (BookmarkInterval < TimeSpan.Zero || PollInterval <= TimeSpan.Zero || ResubscribeDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("BookmarkInterval and ResubscribeDelay must be ≥ 0, PollInterval > 0");
        }
    }
}
