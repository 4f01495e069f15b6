namespace Yamori.Cloud.Notifications;

/// <summary>Timing of the notification dispatcher.</summary>
public sealed record NotificationOptions
{
    /// <summary>Medium and Low notifications wait this long (from the oldest waiting item) and go out as one digest.</summary>
    public TimeSpan DigestPeriod { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>The same dedup key for the same contact is delivered once within this window.</summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>Attempts per message before it is marked failed.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay after the first failure; doubled after each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How often <see cref="NotificationDispatcher.RunAsync"/> looks for due work when not woken.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages sent per dispatch round at most (the rest wait for the next round).</summary>
    public int MaxMessagesPerRound { get; init; } = 200;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DigestPeriod, TimeSpan.Zero, nameof(DigestPeriod));
        ArgumentOutOfRangeException.ThrowIfLessThan(DedupWindow, TimeSpan.Zero, nameof(DedupWindow));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxAttempts, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBaseDelay, TimeSpan.Zero, nameof(RetryBaseDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryBaseDelay, nameof(MaxRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxMessagesPerRound, nameof(MaxMessagesPerRound));
    }

    internal TimeSpan RetryDelay(int failedAttempts)
    {
        double factor = Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        TimeSpan delay = RetryBaseDelay * factor;
        return delay > MaxRetryDelay ? MaxRetryDelay : delay;
    }
}
