namespace Yamori.Cloud.Notifications;

/// <summary>Sends one message to one contact. Throws <see cref="NotificationDeliveryException"/> (or any exception) on failure.</summary>
public interface INotificationChannel
{
    NotificationChannelKind Kind { get; }

    Task SendAsync(NotificationContact contact, OutboxMessage message, DateTimeOffset sentAt, CancellationToken cancellationToken);
}
