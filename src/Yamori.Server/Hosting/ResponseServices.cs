using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Response;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Agents;

namespace Yamori.Server.Hosting;

/// <summary>Response commands: the queue, its delivery on the agent stream, expiry.</summary>
internal static class ResponseServices
{
    public static IServiceCollection AddYamoriResponse(this IServiceCollection services, ServerOptions options, SqliteDatabase database)
    {
        ResponseOptions response = options.Response with { CollectedFilesDirectory = options.Response.CollectedFilesDirectory ?? Path.Combine(options.DataDirectory, "collected") };
        services.AddSingleton<IResponseStore>(_ => new SqliteResponseStore(database));
        services.AddSingleton(sp => new ResponseService(sp.GetRequiredService<IResponseStore>(), sp.GetRequiredService<ITenancyStore>(), response, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IDeviceCommandChannel, ResponseCommandChannel>();
        services.AddHostedService<ResponseHousekeeping>();
        return services;
    }
}

/// <summary>
/// Pushes newly queued commands to devices that are connected, and expires commands nobody
/// delivered in time (each expiry in the audit log, by the system).
/// </summary>
internal sealed partial class ResponseHousekeeping(ResponseService response, AgentStreamService streams, IAuditLog audit, TimeProvider time, ILogger<ResponseHousekeeping> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        response.CommandQueued += OnQueued;
        try
        {
            using var timer = new PeriodicTimer(Period, time);
            do
            {
                IReadOnlyList<CommandChange> expired = [];
                try
                {
                    expired = await response.ExpireAsync(time.GetUtcNow(), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogExpiryFailed(logger, ex);
                }

                // Each entry on its own, and not cancelled by shutdown: the expiries are already
                // stored, so one failed append must not leave the others unaudited.
                foreach (CommandChange change in expired)
                {
                    try
                    {
                        await audit.AppendAsync(
                            AuditRecord.For(Actor.System, "command.expire", AuditOutcome.Succeeded, change.After.Tenant, "command", change.After.Id.ToString(), change.Before?.State.ToString(), change.After.State.ToString()),
                            CancellationToken.None);
                    }
                    catch (Exception ex)
                    {
                        LogExpiryFailed(logger, ex);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            response.CommandQueued -= OnQueued;
        }
    }

    private void OnQueued(object? sender, CommandQueuedEventArgs e) => streams.NotifyCommandsPending(e.Device);

    [LoggerMessage(Level = LogLevel.Error, Message = "Expiring response commands failed; will retry")]
    private static partial void LogExpiryFailed(ILogger logger, Exception exception);
}
