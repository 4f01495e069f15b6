using Microsoft.Extensions.Logging;

namespace Yamori.Agent.Windows;

internal static partial class WindowsLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Windows event log: reading channel {Channel}")]
    public static partial void ChannelStarted(ILogger logger, string channel);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Windows event log: channel {Channel} is unavailable and is skipped: {Reason}")]
    public static partial void ChannelUnavailable(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Windows event log: event of {Channel} dropped as malformed ({Count} so far): {Reason}")]
    public static partial void Malformed(ILogger logger, string channel, long count, string reason);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Windows event log: {Channel}: {Problem}")]
    public static partial void ResumeProblem(ILogger logger, string channel, string problem);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Error, Message = "Windows event log: bookmark of {Channel} not saved; the next write retries")]
    public static partial void BookmarkWriteFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "Windows event log: reading {Channel} failed; resubscribing from its bookmark in {Delay}")]
    public static partial void ReadFailed(ILogger logger, string channel, TimeSpan delay, Exception exception);
}
