using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Yamori.Agent.Hosting;

/// <summary>The agent under the generic host: systemd notify and journal logging come from <c>AddSystemd</c>.</summary>
internal sealed partial class AgentService(AgentOptions options, ILoggerFactory loggers, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        AgentRuntime runtime;
        try
        {
            runtime = AgentComposition.Open(options, loggers, collectors: true);
        }
        catch (Exception e) when (e is Enrollment.AgentIdentityException or AgentConfigException or IOException)
        {
            LogCannotStart(loggers.CreateLogger("Yamori.Agent"), e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return;
        }

        await using (runtime)
        {
            await runtime.RunAsync(stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The agent cannot start: {Reason}")]
    private static partial void LogCannotStart(ILogger logger, string reason);
}
