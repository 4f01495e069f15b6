namespace Yamori.Cloud.Notifications;

/// <summary>
/// <see cref="INotifier"/> over the durable outbox: stores the request, then wakes the dispatcher
/// (when given) so a critical notification goes out without waiting for the next poll.
/// </summary>
public sealed class OutboxNotifier(INotificationOutbox outbox, TimeProvider? time = null, NotificationDispatcher? dispatcher = null) : INotifier
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async ValueTask<Guid> NotifyAsync(NotificationRequest request, CancellationToken cancellationToken = default)
    {
        request.Validate();
        Guid id = await outbox.EnqueueAsync(request, _time.GetUtcNow(), cancellationToken);
        dispatcher?.Wake();
        return id;
    }
}
