using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Tenancy;

namespace Yamori.Server.Hosting;

/// <summary>
/// Daily housekeeping: each town's raw telemetry older than its own retention (counted from
/// receipt) is deleted, and expired sign-in sessions and tickets are purged. Each deletion is in the
/// audit log as the system's, with the count, so a town can see that its data went when it should.
/// </summary>
public sealed partial class Retention(ITenancyStore tenancy, IEventStore events, SignInService signIn, IAuditLog audit, TimeProvider time, ILogger<Retention> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(24);

    /// <summary>One pass at <paramref name="now"/>; returns the events deleted per town.</summary>
    public async Task<IReadOnlyDictionary<TenantId, long>> RunOnceAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var deleted = new Dictionary<TenantId, long>();
        foreach (Tenant town in await tenancy.ListTenantsAsync(TenantScope.AllTenants, cancellationToken))
        {
            DateTimeOffset cutoff = now - TimeSpan.FromDays(town.EventRetentionDays);
            long count = await events.DeleteEventsReceivedBeforeAsync(TenantScope.For(town.Id), cutoff, cancellationToken);
            deleted[town.Id] = count;
            if (count > 0)
            {
                await audit.AppendAsync(
                    AuditRecord.For(Actor.System, "retention.events", AuditOutcome.Succeeded, town.Id, "tenant", town.Id.ToString(), detail: $"{count} events received before {cutoff:O} deleted ({town.EventRetentionDays}-day retention)"),
                    cancellationToken);
            }
        }

        await signIn.PurgeExpiredAsync(cancellationToken);
        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            do
            {
                try
                {
                    await RunOnceAsync(time.GetUtcNow(), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention pass failed; the next runs in 24 hours")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
