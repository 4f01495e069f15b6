using Microsoft.Extensions.Logging;
using Yamori.Agent.Linux.Files;
using Yamori.Agent.Linux.Isolation;
using Yamori.Agent.Linux.Logon;
using Yamori.Agent.Linux.Network;
using Yamori.Agent.Linux.Processes;
using Yamori.Agent.Response;
using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using Yamori.Agent.Uplink;
using Yamori.Agent.Windows;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Hosting;

/// <summary>
/// What a real agent on this host gets: the segment spool, the collectors of its operating system
/// (filtered by <see cref="AgentOptions.Collectors"/>), and the response handlers behind the
/// command dispatcher with its replay journal.
/// </summary>
internal static partial class AgentComposition
{
    public static AgentRuntime Open(AgentOptions options, ILoggerFactory loggers, bool collectors)
    {
        Directory.CreateDirectory(options.StateDirectory);
        var built = collectors ? CollectorsFor(options, loggers) : [];
        AgentRuntime runtime = AgentRuntime.Open(options, o => new SegmentSpool(o), [.. built.Select(b => b.Collector)], r => Commands(r, loggers), loggers);
        foreach ((ICollector collector, Func<long>? overruns) in built)
        {
            if (overruns is not null)
            {
                runtime.TrackOverruns(collector.Name, overruns);
            }
        }

        return runtime;
    }

    /// <summary>The handlers this host can run, behind the dispatcher (replay-protected by its journal).</summary>
    public static Func<Command, CancellationToken, Task<CommandResult>>? Commands(AgentRuntime runtime, ILoggerFactory loggers)
    {
        if (!OperatingSystem.IsLinux())
        {
            // Windows response actions are not built yet: every command is answered Rejected, visibly.
            return null;
        }

        string state = runtime.Options.StateDirectory;
        var isolation = new IsolationState(IsolationFor(runtime), new NftRunner(), TimeProvider.System, loggers.CreateLogger<IsolationState>());
        try
        {
            if (isolation.RestoreAsync(CancellationToken.None).GetAwaiter().GetResult() == IsolationRestoreResult.Reapplied)
            {
                LogIsolationRestored(loggers.CreateLogger("Yamori.Agent"));
            }
        }
        catch (NftException e)
        {
            // The agent must still run (and report) on a host whose firewall tool fails.
            LogIsolationRestoreFailed(loggers.CreateLogger("Yamori.Agent"), e.Message);
        }

        ICommandHandler[] handlers =
        [
            new IsolateHandler(isolation),
            new ReleaseHandler(isolation),
            new KillHandler(),
            new CollectHandler(new GrpcFileUploader(runtime.Uplink), new CollectOptions { StagingDirectory = Path.Combine(state, "collect"), ProtectedDirectories = [runtime.Options.DataDirectory] }),
            new QueryHandler(new ProcProcessLister(), new SocketConnectionLister()),
        ];
        var dispatcher = new CommandDispatcher(handlers, ReplayJournal.Open(Path.Combine(state, "commands.journal")), TimeProvider.System, loggers.CreateLogger<CommandDispatcher>());
        return dispatcher.DispatchAsync;
    }

    /// <summary>Isolation keeps the cloud reachable: both its agent endpoint and its API (enrollment, uploads).</summary>
    internal static IsolationOptions IsolationFor(AgentRuntime runtime)
    {
        var endpoints = new List<CloudEndpoint>();
        foreach (string url in new[] { runtime.Identity.Info.AgentEndpoint, runtime.Identity.Info.ApiEndpoint })
        {
            var uri = new Uri(url);
            var endpoint = new CloudEndpoint(uri.Host, uri.Port);
            if (!endpoints.Contains(endpoint))
            {
                endpoints.Add(endpoint);
            }
        }

        return new IsolationOptions { CloudEndpoints = endpoints, DataDirectory = runtime.Options.StateDirectory };
    }

    internal static List<(ICollector Collector, Func<long>? Overruns)> CollectorsFor(AgentOptions options, ILoggerFactory loggers)
    {
        var list = new List<(ICollector, Func<long>?)>();
        bool Wanted(string name) => options.Collectors.Count == 0 || options.Collectors.Contains(name, StringComparer.OrdinalIgnoreCase);
        if (OperatingSystem.IsLinux())
        {
            ProcessCollector? process = null;
            if (Wanted("process"))
            {
                process = new ProcessCollector(new ProcessCollectorOptions { AuditFallback = options.AuditFallback }, loggers.CreateLogger<ProcessCollector>());
                ProcessCollector p = process;
                list.Add((p, () => p.Overruns + p.Dropped));
            }

            if (Wanted("network"))
            {
                // Destroy-feed overruns lost ended connections: reported like the process collector's.
                var network = new NetworkCollector(new NetworkCollectorOptions { PollInterval = options.NetworkPollInterval }, loggers.CreateLogger<NetworkCollector>());
                list.Add((network, () => network.DestroyFeedOverruns));
            }

            if (Wanted("file") && options.WatchPaths.Count > 0)
            {
                var file = new FileCollector(new FileCollectorOptions
                {
                    Directories = [.. options.WatchPaths.Select(p => new WatchedDirectory(p, Recursive: true))],
                    ImageFallback = process is null ? null : process.Recent.Lookup,
                });
                list.Add((file, () => file.Overflows));
            }

            if (Wanted("logon"))
            {
                var logon = new LogonCollector(new LogonCollectorOptions { StatePath = Path.Combine(options.StateDirectory, "logon-tail.json") });
                list.Add((logon, () => logon.DroppedPartialRecords));
            }
        }
        else if (OperatingSystem.IsWindows() && Wanted("windows-eventlog"))
        {
            list.Add((new WindowsEventCollector(new WindowsEventCollectorOptions { DataDirectory = options.StateDirectory }, loggers.CreateLogger<WindowsEventCollector>()), null));
        }

        return list;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "This host was isolated before the agent restarted and the isolation table was missing: it is isolated again")]
    private static partial void LogIsolationRestored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "This host should be isolated but the isolation table cannot be restored: {Reason}")]
    private static partial void LogIsolationRestoreFailed(ILogger logger, string reason);
}
