namespace Yamori.Agent.Linux.Logon;

/// <summary>Configuration of <see cref="LogonCollector"/>. A null or empty path turns that source off.</summary>
public sealed record LogonCollectorOptions
{
    /// <summary>Successful logins (utmp records of type USER_PROCESS).</summary>
    public string? WtmpPath { get; init; } = "/var/log/wtmp";

    /// <summary>Failed logins (every record).</summary>
    public string? BtmpPath { get; init; } = "/var/log/btmp";

    /// <summary>Syslog auth files (Debian's auth.log, Red Hat's secure); those absent are followed once they appear.</summary>
    public IReadOnlyList<string> AuthLogPaths { get; init; } = ["/var/log/auth.log", "/var/log/secure"];

    /// <summary>
    /// Where read positions are kept between runs (e.g. /var/lib/yamori-agent/logon.state). With it,
    /// logons written while the agent was stopped are still reported after restart; without it,
    /// every start begins at the files' ends.
    /// </summary>
    public string? StatePath { get; init; }

    /// <summary>How often the files are checked for new content, rotation and truncation.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Auth-log lines longer than this are cut (and counted); a runaway writer cannot grow the buffer.</summary>
    public int MaxLineLength { get; init; } = 16 * 1024;

    internal IEnumerable<string> AllPaths =>
        new[] { WtmpPath, BtmpPath }.Concat(AuthLogPaths ?? []).Where(p => !string.IsNullOrEmpty(p))!;

    internal void Validate()
    {
        if (!AllPaths.Any())
        {
            throw new ArgumentException("LogonCollectorOptions configures no source: set WtmpPath, BtmpPath or AuthLogPaths");
        }

        foreach (string p in AllPaths)
        {
            if (!Path.IsPathFullyQualified(p))
            {
                throw new ArgumentException($"logon source '{p}' is not an absolute path");
            }
        }

        foreach (string p in AllPaths)
        {
            if (p.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException("a logon source path contains a line break");
            }
        }

        if (StatePath is not null && !Path.IsPathFullyQualified(StatePath))
        {
            throw new ArgumentException($"StatePath '{StatePath}' is not an absolute path");
        }

        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException($"PollInterval {PollInterval} is outside (0, 5 minutes]");
        }

        if (MaxLineLength < 256)
        {
            throw new ArgumentException($"MaxLineLength must be at least 256, not {MaxLineLength}");
        }
    }
}
