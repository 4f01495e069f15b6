using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Notifications;

/// <summary>
/// Delivers what the outbox holds: fans new requests out to contacts, composes due digests, and
/// sends due messages with retries and exponential backoff, recording every attempt. Run one per
/// database (<see cref="RunAsync"/> in a hosted service); a new dispatcher over the same database
/// picks up whatever a previous one left pending. Delivery is at least once: a crash between a
/// send and its record repeats that send.
/// </summary>
public sealed class NotificationDispatcher
{
    private readonly INotificationOutbox _outbox;
    private readonly IContactStore _contacts;
    private readonly Dictionary<NotificationChannelKind, INotificationChannel> _channels;
    private readonly NotificationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _round = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);

    public NotificationDispatcher(
        INotificationOutbox outbox,
        IContactStore contacts,
        IEnumerable<INotificationChannel> channels,
        NotificationOptions? options = null,
        TimeProvider? time = null,
        ILogger<NotificationDispatcher>? logger = null)
    {
        _outbox = outbox;
        _contacts = contacts;
        _channels = channels.ToDictionary(c => c.Kind);
        _options = options ?? new NotificationOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Makes a waiting <see cref="RunAsync"/> start a round now.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    /// <summary>Runs rounds until cancelled: every poll interval, or at once when woken.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await DispatchDueAsync(_time.GetUtcNow(), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                NotificationLog.RoundFailed(_logger, ex);
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.PollInterval);
                await _wake.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Poll interval elapsed.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round at <paramref name="now"/>: fan out, compose due digests, send due messages.</summary>
    /// <returns>How many messages were attempted.</returns>
    public async Task<int> DispatchDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await _round.WaitAsync(cancellationToken);
        try
        {
            while (await _outbox.FanOutAsync(now, _options.DedupWindow, cancellationToken) > 0)
            {
            }

            await _outbox.ComposeDigestsAsync(now, _options.DigestPeriod, cancellationToken);
            IReadOnlyList<OutboxMessage> due = await _outbox.ListDueAsync(now, _options.MaxMessagesPerRound, cancellationToken);
            foreach (OutboxMessage message in due)
            {
                await SendOneAsync(message, cancellationToken);
            }

            return due.Count;
        }
        finally
        {
            _round.Release();
        }
    }

    private async Task SendOneAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        NotificationContact? contact = await _contacts.GetAsync(TenantScope.For(message.Tenant), message.Contact, cancellationToken);
        string? error = null;
        bool final = false;
        if (contact is null || !contact.Enabled)
        {
            error = "contact was removed or disabled";
            final = true;
        }
        else if (!_channels.TryGetValue(message.Channel, out INotificationChannel? channel))
        {
            error = $"no {message.Channel} channel is configured";
        }
        else if ((message.Channel == NotificationChannelKind.Email && contact.Email is null)
            || (message.Channel == NotificationChannelKind.Webhook && contact.WebhookUrl is null))
        {
            error = $"contact no longer has a {message.Channel} address";
            final = true;
        }
        else
        {
            try
            {
                await channel.SendAsync(contact, message, _time.GetUtcNow(), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (NotificationDeliveryException ex)
            {
                error = ex.Message;
            }
            catch (Exception ex)
            {
                error = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        DateTimeOffset at = _time.GetUtcNow();
        if (error is null)
        {
            await _outbox.RecordAttemptAsync(message, DeliveryOutcome.Succeeded, at, null, null, cancellationToken);
            return;
        }

        int attempt = message.Attempts + 1;
        DeliveryOutcome outcome = final || attempt >= _options.MaxAttempts ? DeliveryOutcome.Failed : DeliveryOutcome.Retrying;
        DateTimeOffset? next = outcome == DeliveryOutcome.Retrying ? at + _options.RetryDelay(attempt) : null;
        NotificationLog.AttemptFailed(_logger, message.Id, message.Contact, message.Channel, attempt, outcome, error);
        await _outbox.RecordAttemptAsync(message, outcome, at, error, next, cancellationToken);
    }
}
