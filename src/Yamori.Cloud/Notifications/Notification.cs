using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Notifications;

/// <summary>Something a town's contacts should hear about.</summary>
/// <param name="Link">Console URL of the alert or incident (absolute http/https), or null.</param>
/// <param name="DedupKey">
/// The same key for the same contact is delivered once within the dedup window (e.g. the alert
/// id), unless it comes back more severe than before.
/// </param>
public sealed record NotificationRequest(TenantId Tenant, Severity Severity, string Subject, string Body, string? Link, string DedupKey)
{
    /// <exception cref="ArgumentException">A field is invalid (the message names it).</exception>
    public void Validate()
    {
        if (!Severities.IsDefined(Severity))
        {
            throw new ArgumentException("severity is not a known severity", nameof(Severity));
        }

        if (string.IsNullOrWhiteSpace(Subject) || Subject.Length > 500 || Subject.Any(char.IsControl))
        {
            throw new ArgumentException("subject must be 1 to 500 characters on one line", nameof(Subject));
        }

        if (Body is null || Body.Length > 64 * 1024)
        {
            throw new ArgumentException("body must be present and at most 65536 characters", nameof(Body));
        }

        if (Link is not null && (!Uri.TryCreate(Link, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
        {
            throw new ArgumentException("link must be an absolute http(s) URL", nameof(Link));
        }

        if (string.IsNullOrWhiteSpace(DedupKey) || DedupKey.Length > 200)
        {
            throw new ArgumentException("dedupKey must be 1 to 200 characters", nameof(DedupKey));
        }
    }
}

/// <summary>Accepts notifications. Returning means the request is durably stored (sending happens later).</summary>
public interface INotifier
{
    /// <returns>The notification id.</returns>
    /// <exception cref="ArgumentException">The request is invalid (the message names the field).</exception>
    ValueTask<Guid> NotifyAsync(NotificationRequest request, CancellationToken cancellationToken = default);
}

/// <summary>How a message reaches a contact.</summary>
public enum NotificationChannelKind
{
    Email = 1,
    Webhook = 2,
}

/// <summary>Where a message stands.</summary>
public enum MessageState
{
    Pending = 1,
    Sent = 2,

    /// <summary>Every attempt failed (or the contact disappeared); not retried.</summary>
    Failed = 3,
}

/// <summary>What one attempt came to.</summary>
public enum DeliveryOutcome
{
    Succeeded = 1,

    /// <summary>Failed; another attempt is scheduled.</summary>
    Retrying = 2,

    /// <summary>Failed for the last time; the message is <see cref="MessageState.Failed"/>.</summary>
    Failed = 3,
}

/// <summary>One message to one contact on one channel: a single notification or a digest.</summary>
/// <param name="SourceId">The notification id, or the digest's id.</param>
public sealed record OutboxMessage(
    Guid Id,
    TenantId Tenant,
    ContactId Contact,
    NotificationChannelKind Channel,
    bool IsDigest,
    Guid SourceId,
    Severity Severity,
    string Subject,
    string Body,
    string? Link,
    MessageState State,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset CreatedAt);

/// <summary>How a notification went to one contact.</summary>
public enum RouteMode
{
    /// <summary>Sent at once (High and Critical).</summary>
    Immediate = 1,

    /// <summary>Collected into the contact's digest (Medium and Low).</summary>
    Digest = 2,

    /// <summary>Not sent: the same dedup key reached this contact within the window.</summary>
    Duplicate = 3,
}

/// <summary>One notification's route to one contact.</summary>
/// <param name="BatchId">The notification id for immediate messages, the digest id once composed, else null.</param>
public sealed record NotificationRoute(Guid NotificationId, TenantId Tenant, ContactId Contact, RouteMode Mode, Guid? BatchId, DateTimeOffset CreatedAt);

/// <summary>A recorded delivery attempt. <see cref="Error"/> never carries a secret.</summary>
/// <param name="SourceId">The notification id, or the digest's id when <see cref="IsDigest"/>.</param>
public sealed record DeliveryAttempt(
    long Id,
    TenantId Tenant,
    Guid MessageId,
    Guid SourceId,
    bool IsDigest,
    ContactId Contact,
    NotificationChannelKind Channel,
    int Attempt,
    DateTimeOffset At,
    DeliveryOutcome Outcome,
    string? Error);

/// <summary>A channel could not deliver; the message is safe to record (no secrets).</summary>
public sealed class NotificationDeliveryException : Exception
{
    public NotificationDeliveryException()
    {
    }

    public NotificationDeliveryException(string message)
        : base(message)
    {
    }

    public NotificationDeliveryException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
