using Microsoft.Extensions.Logging;
using Yamori.Agent.Detection;
using Yamori.Agent.Enrollment;
using Yamori.Agent.Health;
using Yamori.Agent.Pipeline;
using Yamori.Agent.Spool;
using Yamori.Agent.Telemetry;
using Yamori.Agent.Uplink;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Hosting;

/// <summary>
/// One running agent: identity, spool, governor, local detection, pipeline, uplink and collectors,
/// wired together. Holds an exclusive lock on the data directory, so a second agent (or a replay)
/// cannot write the same spool.
/// </summary>
public sealed partial class AgentRuntime : IAsyncDisposable
{
    private readonly FileStream _lock;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<ICollector> _collectors;
    private readonly Dictionary<string, Func<long>> _overrunCounters = [];
    private readonly Dictionary<string, long> _overrunsReported = [];

    private AgentRuntime(
        FileStream dataLock,
        AgentOptions options,
        AgentIdentity identity,
        ISpool spool,
        ResourceGovernor governor,
        LocalDetector? detector,
        IReadOnlyList<ICollector> collectors,
        Func<AgentRuntime, Func<Command, CancellationToken, Task<CommandResult>>?> commands,
        ILoggerFactory loggers,
        TimeProvider time)
    {
        _lock = dataLock;
        _logger = loggers.CreateLogger("Yamori.Agent");
        Options = options;
        Identity = identity;
        Spool = spool;
        Governor = governor;
        Detector = detector;
        _collectors = collectors;
        Pipeline = new TelemetryPipeline(spool, governor, detector, Math.Min(options.BatchMaxBytes, 1 << 20), time);
        Func<Command, CancellationToken, Task<CommandResult>>? dispatch = null;
        Uplink = new AgentUplink(identity, spool, Pipeline, (c, ct) => dispatch!(c, ct), governor, options, loggers.CreateLogger<AgentUplink>(), time);
        dispatch = commands(this) ?? ((c, _) => Task.FromResult(new CommandResult { CommandId = c.Id, Status = CommandStatus.Rejected, Message = "this agent carries out no commands" }));
    }

    public AgentOptions Options { get; }

    public AgentIdentity Identity { get; }

    public ISpool Spool { get; }

    public ResourceGovernor Governor { get; }

    public LocalDetector? Detector { get; }

    public TelemetryPipeline Pipeline { get; }

    public AgentUplink Uplink { get; }

    /// <summary>
    /// Opens everything. <paramref name="commands"/> builds the command dispatcher once the runtime
    /// exists (handlers need the uplink to upload collected files).
    /// </summary>
    public static AgentRuntime Open(
        AgentOptions options,
        Func<SpoolOptions, ISpool> openSpool,
        IReadOnlyList<ICollector> collectors,
        Func<AgentRuntime, Func<Command, CancellationToken, Task<CommandResult>>?> commands,
        ILoggerFactory loggers,
        TimeProvider? time = null)
    {
        AgentIdentity.CreatePrivateDirectory(options.DataDirectory);
        FileStream dataLock;
        try
        {
            // FileShare.None takes an advisory lock (flock) on Unix: a second agent on this directory fails here.
            dataLock = new FileStream(Path.Combine(options.DataDirectory, "agent.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new AgentIdentityException($"{options.DataDirectory} is in use by another yamori-agent process (stop the service first): {e.Message}", e);
        }

        AgentIdentity? identity = null;
        ISpool? spool = null;
        try
        {
            identity = AgentIdentity.Load(options.IdentityDirectory);
            LocalDetector? detector = LocalDetector.Load(options.LocalRules, out Yamori.Sigma.Loading.RuleSet? rules);
            ILogger log = loggers.CreateLogger("Yamori.Agent");
            if (rules is not null)
            {
                foreach (Yamori.Sigma.Parsing.RuleError error in rules.Errors)
                {
                    LogRuleError(log, $"{error.File}:{error.Line}: {error.Message}");
                }
            }

            spool = openSpool(new SpoolOptions { Directory = options.SpoolDirectory, MaxBytes = options.SpoolMaxBytes, Fsync = options.SpoolFsync });
            var governor = new ResourceGovernor(options.CpuBudgetPercent, options.MemoryBudgetBytes, time);
            return new AgentRuntime(dataLock, options, identity, spool, governor, detector, collectors, commands, loggers, time ?? TimeProvider.System);
        }
        catch
        {
            spool?.Dispose();
            identity?.Dispose();
            dataLock.Dispose();
            throw;
        }
    }

    /// <summary>Registers a collector's overrun counter; its increases are added to the spool's drop counts under "collector_overrun".</summary>
    public void TrackOverruns(string collector, Func<long> counter) => _overrunCounters[collector] = counter;

    /// <summary>Runs collectors, governor and uplink until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var tasks = new List<Task> { Governor.RunAsync(cancellationToken), Uplink.RunAsync(cancellationToken), WatchOverrunsAsync(cancellationToken) };
        foreach (ICollector collector in _collectors)
        {
            tasks.Add(RunCollectorAsync(collector, cancellationToken));
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>Waits until the cloud has acknowledged everything in the spool (replay, tests, graceful stop).</summary>
    public async Task<bool> WaitUntilDeliveredAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                // Nothing waiting and every cut batch settled (acknowledged, or rejected and counted).
                if (Spool.Stats.PendingEvents == 0 && Spool.Unacknowledged().Count == 0)
                {
                    return true;
                }

                await Task.Delay(50, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ICollector collector in _collectors)
        {
            if (collector is IAsyncDisposable ad)
            {
                await ad.DisposeAsync();
            }
            else if (collector is IDisposable d)
            {
                d.Dispose();
            }
        }

        Uplink.Dispose();
        Spool.Dispose();
        Identity.Dispose();
        await _lock.DisposeAsync();
    }

    /// <summary>
    /// Runs one collector for the agent's lifetime. A collector that fails (a bug, a kernel answer it
    /// did not expect) is restarted after a growing pause instead of staying dead until the agent
    /// restarts; one whose kernel feature is missing stops for good. Neither touches the others.
    /// </summary>
    private async Task RunCollectorAsync(ICollector collector, CancellationToken cancellationToken)
    {
        await Task.Yield();
        TimeSpan pause = CollectorRestartMin;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                LogCollectorStarted(_logger, collector.Name);
                await collector.RunAsync(Pipeline, cancellationToken);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (CollectorUnavailableException e)
            {
                // One missing kernel feature must not take the other collectors or the uplink down.
                LogCollectorUnavailable(_logger, collector.Name, e.Message);
                return;
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _collectorRestarts);
                LogCollectorFailed(_logger, e, collector.Name, pause);
            }

            try
            {
                await Task.Delay(pause, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, CollectorRestartMax.Ticks));
        }
    }

    private static readonly TimeSpan CollectorRestartMin = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CollectorRestartMax = TimeSpan.FromMinutes(1);
    private long _collectorRestarts;

    /// <summary>Times a collector failed and was restarted.</summary>
    public long CollectorRestarts => Interlocked.Read(ref _collectorRestarts);

    private async Task WatchOverrunsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach ((string name, Func<long> counter) in _overrunCounters)
                {
                    long now = counter();
                    long before = _overrunsReported.GetValueOrDefault(name);
                    if (now > before)
                    {
                        try
                        {
                            Spool.CountDropped("collector_overrun", (ulong)(now - before));
                            _overrunsReported[name] = now;
                            LogOverrun(_logger, name, now - before);
                        }
                        catch (IOException)
                        {
                            // Not durable yet: tried again at the next tick, so no loss goes uncounted.
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Collector {Collector} started")]
    private static partial void LogCollectorStarted(ILogger logger, string collector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collector {Collector} cannot run on this host: {Reason}")]
    private static partial void LogCollectorUnavailable(ILogger logger, string collector, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Collector {Collector} failed; restarting it in {Pause} (the others keep running)")]
    private static partial void LogCollectorFailed(ILogger logger, Exception e, string collector, TimeSpan pause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collector {Collector} lost {Count} kernel events (overrun); counted and reported")]
    private static partial void LogOverrun(ILogger logger, string collector, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local rule not loaded: {Error}")]
    private static partial void LogRuleError(ILogger logger, string error);
}
