using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Notifications;

/// <summary>
/// The durable side of notifications: requests, per-contact messages and every delivery attempt.
/// The dispatcher drives it; the API reads messages and attempts per tenant.
/// </summary>
public interface INotificationOutbox
{
    /// <summary>Stores the request durably; returns its id.</summary>
    ValueTask<Guid> EnqueueAsync(NotificationRequest request, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Matches stored requests not yet handled to their tenant's enabled contacts (minimum severity,
    /// dedup window): High and above become messages due now, Medium and Low wait for a digest,
    /// Informational goes nowhere. Returns how many requests were handled.
    /// </summary>
    ValueTask<int> FanOutAsync(DateTimeOffset now, TimeSpan dedupWindow, CancellationToken cancellationToken = default);

    /// <summary>Turns each contact's waiting items whose oldest is at least <paramref name="period"/> old into one digest message per channel.</summary>
    ValueTask<int> ComposeDigestsAsync(DateTimeOffset now, TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>Pending messages whose next attempt is due, oldest first.</summary>
    ValueTask<IReadOnlyList<OutboxMessage>> ListDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records an attempt and moves the message on: sent, failed for good, or pending again at
    /// <paramref name="nextAttemptAt"/> (required when the outcome is <see cref="DeliveryOutcome.Retrying"/>).
    /// </summary>
    ValueTask RecordAttemptAsync(
        OutboxMessage message,
        DeliveryOutcome outcome,
        DateTimeOffset at,
        string? error,
        DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken = default);

    /// <summary>Attempts of the tenants in scope, oldest first; optionally of one notification or digest.</summary>
    ValueTask<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(TenantScope scope, Guid? sourceId = null, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>
    /// How one notification was routed: per matching contact, immediate, into a digest (with the
    /// digest's id once composed, which is the <see cref="DeliveryAttempt.SourceId"/> of its attempts),
    /// or dropped as a duplicate. Empty for Informational notifications and outside the scope.
    /// </summary>
    ValueTask<IReadOnlyList<NotificationRoute>> ListRoutesAsync(TenantScope scope, Guid notificationId, CancellationToken cancellationToken = default);

    /// <summary>Messages of the tenants in scope, newest first; optionally of one notification or digest.</summary>
    ValueTask<IReadOnlyList<OutboxMessage>> ListMessagesAsync(TenantScope scope, Guid? sourceId = null, int limit = 1000, CancellationToken cancellationToken = default);
}
