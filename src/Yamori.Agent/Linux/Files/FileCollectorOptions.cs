namespace Yamori.Agent.Linux.Files;

/// <summary>A directory whose entries the file collector watches; with <see cref="Recursive"/>, its whole subtree.</summary>
public sealed record WatchedDirectory(string Path, bool Recursive = false);

/// <summary>Configuration of <see cref="FileCollector"/>.</summary>
public sealed record FileCollectorOptions
{
    /// <summary>The watched directories (absolute paths). Missing ones are reported, not fatal.</summary>
    public IReadOnlyList<WatchedDirectory> Directories { get; init; } = [];

    /// <summary>
    /// Repeated modifications of one file by one process within this window become a single
    /// "modify" event carrying their count, so a log writer cannot flood the spool.
    /// </summary>
    public TimeSpan ModifyCoalesceWindow { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How many distinct (process, file) modifications may wait in the window; beyond it the oldest is emitted early.</summary>
    public int MaxPendingModifications { get; init; } = 4096;

    /// <summary>
    /// Where to look up a pid's executable when /proc/&lt;pid&gt;/exe is already gone (the process exited
    /// before its event was read), e.g. the process collector's table of recent execs. Optional;
    /// without it such events keep the pid and an empty Image. Called on the collector's thread.
    /// </summary>
    public Func<int, string?>? ImageFallback { get; init; }

    internal void Validate()
    {
        if (Directories.Count == 0)
        {
            throw new ArgumentException("FileCollectorOptions.Directories is empty: configure at least one directory to watch");
        }

        foreach (WatchedDirectory d in Directories)
        {
            if (d is null || string.IsNullOrWhiteSpace(d.Path))
            {
                throw new ArgumentException("FileCollectorOptions.Directories holds an empty path");
            }

            if (!System.IO.Path.IsPathFullyQualified(d.Path))
            {
                throw new ArgumentException($"watched directory '{d.Path}' is not an absolute path");
            }
        }

        if (ModifyCoalesceWindow < TimeSpan.Zero || ModifyCoalesceWindow > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"ModifyCoalesceWindow {ModifyCoalesceWindow} is outside 0..10 minutes");
        }

        if (MaxPendingModifications < 1)
        {
            throw new ArgumentException($"MaxPendingModifications must be at least 1, not {MaxPendingModifications}");
        }
    }
}
