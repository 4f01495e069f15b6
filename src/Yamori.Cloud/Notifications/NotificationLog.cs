using Microsoft.Extensions.Logging;

namespace Yamori.Cloud.Notifications;

internal static partial class NotificationLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Notification message {MessageId} to contact {ContactId} by {Channel}: attempt {Attempt} failed ({Outcome}): {Error}")]
    public static partial void AttemptFailed(ILogger logger, Guid messageId, ContactId contactId, NotificationChannelKind channel, int attempt, DeliveryOutcome outcome, string error);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Notification dispatch round failed; retrying after the poll interval")]
    public static partial void RoundFailed(ILogger logger, Exception exception);
}
