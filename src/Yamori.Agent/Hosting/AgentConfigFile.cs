using System.Text.Json;
using Yamori.Agent.Spool;

namespace Yamori.Agent.Hosting;

/// <summary>
/// <c>agent.json</c> in the data directory: what a town's IT officer may tune. Every property is
/// optional; an unknown property or a wrong type is an error naming the file and the property,
/// because a silently ignored setting (a watch path with a typo) is worse than a refusal to start.
/// </summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record AgentConfigFile
{
    public IReadOnlyList<string>? WatchPaths { get; init; }

    public IReadOnlyList<string>? Collectors { get; init; }

    public IReadOnlyList<string>? LocalRules { get; init; }

    public double? CpuBudgetPercent { get; init; }

    public long? MemoryBudgetBytes { get; init; }

    public long? SpoolMaxBytes { get; init; }

    public FsyncPolicy? SpoolFsync { get; init; }

    public int? HeartbeatSeconds { get; init; }

    /// <summary><c>Off</c>, <c>WhenAuditEnabled</c> (default) or <c>EnableAudit</c>.</summary>
    public Linux.Processes.AuditFallbackMode? AuditFallback { get; init; }

    /// <summary>Time between socket-table dumps of the network collector (50 to 10,000 ms; default 250).</summary>
    public int? NetworkPollMilliseconds { get; init; }

    public const string FileName = "agent.json";

    public static AgentOptions Apply(AgentOptions options)
    {
        string path = Path.Combine(options.DataDirectory, FileName);
        if (!File.Exists(path))
        {
            return options;
        }

        AgentConfigFile config;
        try
        {
            config = JsonSerializer.Deserialize(File.ReadAllText(path), AgentJsonContext.Default.AgentConfigFile)
                ?? throw new AgentConfigException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new AgentConfigException($"{path}: line {e.LineNumber + 1}: {e.Message}", e);
        }

        if (config.CpuBudgetPercent is <= 0 || config.MemoryBudgetBytes is <= 0 || config.SpoolMaxBytes is < (16L << 20) || config.HeartbeatSeconds is <= 0)
        {
            throw new AgentConfigException($"{path}: cpuBudgetPercent, memoryBudgetBytes and heartbeatSeconds must be positive, spoolMaxBytes at least 16 MiB");
        }

        if (config.NetworkPollMilliseconds is < 50 or > 10_000)
        {
            throw new AgentConfigException($"{path}: networkPollMilliseconds must be between 50 and 10000, was {config.NetworkPollMilliseconds}");
        }

        return options with
        {
            WatchPaths = config.WatchPaths ?? options.WatchPaths,
            Collectors = config.Collectors ?? options.Collectors,
            LocalRules = config.LocalRules ?? options.LocalRules,
            CpuBudgetPercent = config.CpuBudgetPercent ?? options.CpuBudgetPercent,
            MemoryBudgetBytes = config.MemoryBudgetBytes ?? options.MemoryBudgetBytes,
            SpoolMaxBytes = config.SpoolMaxBytes ?? options.SpoolMaxBytes,
            SpoolFsync = config.SpoolFsync ?? options.SpoolFsync,
            HeartbeatInterval = config.HeartbeatSeconds is { } s ? TimeSpan.FromSeconds(s) : options.HeartbeatInterval,
            AuditFallback = config.AuditFallback ?? options.AuditFallback,
            NetworkPollInterval = config.NetworkPollMilliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : options.NetworkPollInterval,
        };
    }
}

public sealed class AgentConfigException : Exception
{
    public AgentConfigException()
    {
    }

    public AgentConfigException(string message)
        : base(message)
    {
    }

    public AgentConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
