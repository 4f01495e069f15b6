namespace Yamori.Cloud.Notifications;

/// <summary>Delivers notification mail through the configured SMTP relay.</summary>
public sealed class EmailChannel : INotificationChannel
{
    private readonly SmtpOptions _options;
    private readonly SmtpSender _sender;

    public EmailChannel(SmtpOptions options)
    {
        options.Validate();
        _options = options;
        _sender = new SmtpSender(options);
    }

    public NotificationChannelKind Kind => NotificationChannelKind.Email;

    public async Task SendAsync(NotificationContact contact, OutboxMessage message, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        string to = contact.Email ?? throw new NotificationDeliveryException("contact has no e-mail address");
        string body = message.Link is null ? message.Body : $"{message.Body}\n\n{message.Link}\n";
        string text = MailMessageText.Build(_options.FromName, _options.From, to, message.Subject, body, sentAt, message.Id);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await _sender.SendAsync(to, text, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NotificationDeliveryException($"smtp conversation did not finish within {_options.Timeout.TotalSeconds:0.#} s");
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new NotificationDeliveryException($"smtp connection to {_options.Host}:{_options.Port} failed: {ex.SocketErrorCode}", ex);
        }
        catch (IOException ex)
        {
            throw new NotificationDeliveryException($"smtp connection broke: {ex.Message}", ex);
        }
        catch (System.Security.Authentication.AuthenticationException ex)
        {
            throw new NotificationDeliveryException($"smtp TLS handshake failed: {ex.Message}", ex);
        }
    }
}
