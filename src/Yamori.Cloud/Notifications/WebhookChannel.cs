using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Yamori.Cloud.Notifications;

/// <summary>
/// Delivers by HTTP POST of a JSON document; any 2xx is success. When the contact has a secret the
/// request carries <c>X-Yamori-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>, so the
/// receiver can tell the cloud's messages from forgeries.
/// </summary>
/// <param name="http">
/// The client to post with. The host should give it a handler with automatic redirects off, so a
/// receiver cannot bounce the signed body elsewhere.
/// </param>
public sealed class WebhookChannel(HttpClient http, TimeSpan? timeout = null) : INotificationChannel
{
    public const string SignatureHeader = "X-Yamori-Signature";

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(10);

    public NotificationChannelKind Kind => NotificationChannelKind.Webhook;

    /// <summary>The JSON body posted for <paramref name="message"/>.</summary>
    public static byte[] Payload(OutboxMessage message, DateTimeOffset sentAt)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", message.Id);
            json.WriteString("notification_id", message.SourceId);
            json.WriteBoolean("digest", message.IsDigest);
            json.WriteString("tenant", message.Tenant.ToString());
            json.WriteString("severity", message.Severity.ToWire());
            json.WriteString("subject", message.Subject);
            json.WriteString("body", message.Body);
            if (message.Link is null)
            {
                json.WriteNull("link");
            }
            else
            {
                json.WriteString("link", message.Link);
            }

            json.WriteString("sent_at", sentAt.ToUniversalTime());
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The header value for <paramref name="body"/> signed with <paramref name="secret"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public async Task SendAsync(NotificationContact contact, OutboxMessage message, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        Uri url = contact.WebhookUrl ?? throw new NotificationDeliveryException("contact has no webhook URL");
        byte[] body = Payload(message, sentAt);
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("X-Yamori-Delivery", message.Id.ToString("D"));
        if (contact.WebhookSecret is { } secret)
        {
            request.Headers.Add(SignatureHeader, Sign(secret, body));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new NotificationDeliveryException($"webhook answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NotificationDeliveryException($"webhook did not answer within {_timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            throw new NotificationDeliveryException($"webhook request failed: {ex.Message}", ex);
        }
    }
}
