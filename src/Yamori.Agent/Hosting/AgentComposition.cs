using Microsoft.Extensions.Logging;
using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Hosting;

/// <summary>Which spool, collectors and command handlers this host gets.</summary>
internal static class AgentComposition
{
    public static AgentRuntime Open(AgentOptions options, ILoggerFactory loggers, bool collectors)
    {
        IReadOnlyList<ICollector> list = collectors ? CollectorCatalog.ForThisHost(options, loggers) : [];
        return AgentRuntime.Open(options, OpenSpool, list, _ => null, loggers);
    }

    private static ISpool OpenSpool(SpoolOptions options) => new SegmentSpool(options);
}

/// <summary>The collectors for this operating system, filtered by <see cref="AgentOptions.Collectors"/>.</summary>
internal static class CollectorCatalog
{
    public static IReadOnlyList<ICollector> ForThisHost(AgentOptions options, ILoggerFactory loggers) => [];
}
