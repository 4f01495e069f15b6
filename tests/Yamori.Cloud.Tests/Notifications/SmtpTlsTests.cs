using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Notifications;

/// <summary>The SMTP client against a sink that offers STARTTLS, and the webhook channel against one that hangs.</summary>
public sealed class SmtpTlsTests : IAsyncLifetime, IDisposable
{
    private readonly X509Certificate2 _certificate = SelfSigned();
    private readonly NotificationContact _contact = new(ContactId.New(), TenantId.New(), "kato", "kato@example.lg.jp", null, null, Severity.Low, true);
    private readonly OutboxMessage _message;
    private SmtpSink _sink = null!;

    public SmtpTlsTests() => _message = new OutboxMessage(Guid.NewGuid(), _contact.Tenant, _contact.Id, NotificationChannelKind.Email, false,
        Guid.NewGuid(), Severity.Critical, "【緊急】暗号化経路で送信", "本文です。", null, MessageState.Pending, 0, Events.T0, Events.T0);

    public Task InitializeAsync()
    {
        _sink = new SmtpSink(_certificate);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _sink.DisposeAsync();

    public void Dispose() => _certificate.Dispose();

    [Fact]
    public async Task Mail_goes_over_starttls_when_offered_and_authenticates_inside_it()
    {
        var channel = new EmailChannel(Options() with { Username = "relay-user", Password = "relay-password" });
        await channel.SendAsync(_contact, _message, Events.T0, CancellationToken.None);

        SinkMessage mail = Assert.Single(_sink.Messages);
        Assert.True(mail.OverTls);
        Assert.Equal("relay-user", mail.AuthenticatedUser);
        Assert.Equal("【緊急】暗号化経路で送信", mail.Subject);
        Assert.Equal("本文です。", mail.Body.TrimEnd());
    }

    [Fact]
    public async Task A_refused_login_fails_without_revealing_the_password()
    {
        var options = Options() with { Username = "relay-user", Password = "wrong-password-123" };
        NotificationDeliveryException ex = await Assert.ThrowsAsync<NotificationDeliveryException>(
            () => new EmailChannel(options).SendAsync(_contact, _message, Events.T0, CancellationToken.None));
        Assert.Contains("535", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-123", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String("\0relay-user\0wrong-password-123"u8), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-123", options.ToString(), StringComparison.Ordinal);
        Assert.Empty(_sink.Messages);
    }

    [Fact]
    public async Task An_untrusted_certificate_is_refused_by_default()
    {
        var options = Options() with { CertificateValidation = null };
        NotificationDeliveryException ex = await Assert.ThrowsAsync<NotificationDeliveryException>(
            () => new EmailChannel(options).SendAsync(_contact, _message, Events.T0, CancellationToken.None));
        Assert.Contains("TLS", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_sink.Messages);
    }

    [Fact]
    public async Task Required_tls_refuses_a_relay_without_starttls()
    {
        await using var plain = new SmtpSink();
        var options = new SmtpOptions { Host = "127.0.0.1", Port = plain.Port, From = "yamori@soc.example.lg.jp", Tls = SmtpTlsMode.Required };
        NotificationDeliveryException ex = await Assert.ThrowsAsync<NotificationDeliveryException>(
            () => new EmailChannel(options).SendAsync(_contact, _message, Events.T0, CancellationToken.None));
        Assert.Contains("STARTTLS", ex.Message, StringComparison.Ordinal);
        Assert.Empty(plain.Messages);
    }

    [Fact]
    public async Task A_webhook_that_never_answers_times_out_as_a_failure()
    {
        await using var receiver = new WebhookReceiver { Hang = true };
        using var http = new HttpClient();
        var channel = new WebhookChannel(http, TimeSpan.FromMilliseconds(300));
        NotificationContact contact = _contact with { Email = null, WebhookUrl = receiver.Url() };
        NotificationDeliveryException ex = await Assert.ThrowsAsync<NotificationDeliveryException>(
            () => channel.SendAsync(contact, _message with { Channel = NotificationChannelKind.Webhook }, Events.T0, CancellationToken.None));
        Assert.Contains("did not answer", ex.Message, StringComparison.Ordinal);
        Assert.Single(receiver.Requests);
        Assert.False(receiver.Requests.Single().Headers.ContainsKey(WebhookChannel.SignatureHeader));
    }

    private SmtpOptions Options() => new()
    {
        Host = "127.0.0.1",
        Port = _sink.Port,
        From = "yamori@soc.example.lg.jp",
        Tls = SmtpTlsMode.Required,

        // The test relay's certificate is self-signed: trust exactly that one.
        CertificateValidation = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == _certificate.GetCertHashString(),
    };

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 cert = request.CreateSelfSigned(Events.T0.AddYears(-1), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
