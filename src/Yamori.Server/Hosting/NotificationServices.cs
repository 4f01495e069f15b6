using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Server.Hosting;

/// <summary>Towns' contacts, the durable outbox, and delivery by webhook and e-mail.</summary>
internal static class NotificationServices
{
    public static IServiceCollection AddYamoriNotifications(this IServiceCollection services, ServerOptions options, SqliteDatabase database)
    {
        services.AddSingleton<IContactStore>(sp => new SqliteContactStore(database, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<INotificationOutbox>(_ => new SqliteNotificationOutbox(database));

        // Redirects off: a webhook must not be bounced to an address the town never registered.
        services.AddSingleton<INotificationChannel>(_ => new WebhookChannel(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { DefaultRequestVersion = HttpVersion.Version11 }));
        if (options.Smtp is { } smtp)
        {
            services.AddSingleton<INotificationChannel>(_ => new EmailChannel(smtp));
        }

        services.AddSingleton(sp => new NotificationDispatcher(
            sp.GetRequiredService<INotificationOutbox>(),
            sp.GetRequiredService<IContactStore>(),
            sp.GetServices<INotificationChannel>(),
            options.Notifications,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<NotificationDispatcher>>()));
        services.AddSingleton<INotifier>(sp => new OutboxNotifier(sp.GetRequiredService<INotificationOutbox>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<NotificationDispatcher>()));
        services.AddSingleton<IIncidentListener, IncidentNotifications>();
        services.AddHostedService<NotificationDelivery>();
        return services;
    }
}

/// <summary>Runs the one dispatcher of this database until shutdown.</summary>
internal sealed class NotificationDelivery(NotificationDispatcher dispatcher) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => dispatcher.RunAsync(stoppingToken);
}

/// <summary>
/// A new incident, or one whose severity rose, becomes a notification to the town's contacts. Only
/// enqueued here (the outbox write is durable and quick); grading by severity, digests and
/// delivery are the dispatcher's.
/// </summary>
internal sealed class IncidentNotifications(INotifier notifier, ITenancyStore tenancy, Listeners listeners) : IIncidentListener
{
    public async ValueTask OnIncidentOpenedAsync(Incident incident, CancellationToken cancellationToken) =>
        await NotifyAsync(incident, "新しいインシデント", cancellationToken);

    public async ValueTask OnSeverityRaisedAsync(Incident incident, SigmaLevel previous, CancellationToken cancellationToken) =>
        await NotifyAsync(incident, $"重大度が上がりました ({Japanese(previous)} → {Japanese(incident.Severity)})", cancellationToken);

    private async ValueTask NotifyAsync(Incident incident, string what, CancellationToken ct)
    {
        Tenant? town = await tenancy.GetTenantAsync(TenantScope.For(incident.Tenant), incident.Tenant, ct);
        string name = town?.Name ?? incident.Tenant.ToString();
        string link = $"{listeners.ApiUri}api/v1/incidents/{incident.Id}";
        var body = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{name} で{what}。")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"件名: {incident.Title}")
            .AppendLine(CultureInfo.InvariantCulture, $"重大度: {Japanese(incident.Severity)}")
            .AppendLine(CultureInfo.InvariantCulture, $"端末数: {incident.Devices.Count}  アラート数: {incident.AlertCount}")
            .AppendLine(CultureInfo.InvariantCulture, $"ユーザー: {string.Join(", ", incident.Users)}")
            .AppendLine(CultureInfo.InvariantCulture, $"ATT&CK: {string.Join(", ", incident.Techniques)}")
            .AppendLine(CultureInfo.InvariantCulture, $"最初の活動: {incident.FirstActivity.ToOffset(TimeSpan.FromHours(9)):yyyy-MM-dd HH:mm} (JST)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"詳細: {link}");

        // The dedup key is the incident and its severity: a rise is news, a repeat is not.
        await notifier.NotifyAsync(
            new NotificationRequest(incident.Tenant, (Severity)(int)incident.Severity, $"[Yamori][{Japanese(incident.Severity)}] {name}: {incident.Title}", body.ToString(), link, $"incident:{incident.Id}:{incident.Severity}"),
            ct);
    }

    private static string Japanese(SigmaLevel level) => level switch
    {
        SigmaLevel.Critical => "緊急",
        SigmaLevel.High => "高",
        SigmaLevel.Medium => "中",
        SigmaLevel.Low => "低",
        _ => "情報",
    };
}
