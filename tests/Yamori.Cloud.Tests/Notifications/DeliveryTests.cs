using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Notifications;

public sealed class DeliveryTests : IAsyncLifetime
{
    private readonly NotificationFixture _f = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Critical_goes_out_at_once_by_email_and_by_a_signed_webhook()
    {
        NotificationContact contact = _f.Contact(_f.TownA, "kato");
        await _f.Contacts.CreateAsync(_f.AdminA, contact);
        const string subject = "【緊急】千代田区の端末で不審なプロセス (mimikatz.exe) を検知しました。至急ご確認ください";
        Guid id = await _f.Notify(_f.TownA, Severity.Critical, subject, "alert-1", "端末 PC-042 で資格情報窃取ツールが実行されました。");

        Assert.Equal(2, await _f.Dispatch());

        SinkMessage mail = Assert.Single(_f.Smtp.Messages);
        Assert.Equal(["kato@example.lg.jp"], mail.To);
        Assert.Equal("yamori@soc.example.lg.jp", mail.From);
        Assert.Equal(subject, mail.Subject);
        Assert.Contains("資格情報窃取ツール", mail.Body, StringComparison.Ordinal);
        Assert.Contains("https://soc.example.lg.jp/alerts/1", mail.Body, StringComparison.Ordinal);
        Assert.All(mail.Data, c => Assert.True(c < 128, "headers and body must be 7-bit on the wire"));
        Assert.All(mail.Data.Split("\r\n"), line => Assert.True(line.Length <= 78, $"line too long: {line}"));
        Assert.Equal("やもり SOC", SinkMessage.DecodeWords(mail.Header("From")!.Split('<')[0].Trim()));

        ReceivedRequest hook = Assert.Single(_f.Webhook.Requests);
        Assert.Equal("POST", hook.Method);
        byte[] expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(NotificationFixture.SecretA), hook.Body);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(expected), hook.Headers["X-Yamori-Signature"]);
        using JsonDocument json = JsonDocument.Parse(hook.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("subject").GetString());
        Assert.Equal("critical", json.RootElement.GetProperty("severity").GetString());
        Assert.Equal(_f.TownA.ToString(), json.RootElement.GetProperty("tenant").GetString());
        Assert.Equal(id, json.RootElement.GetProperty("notification_id").GetGuid());
        Assert.Equal("https://soc.example.lg.jp/alerts/1", json.RootElement.GetProperty("link").GetString());
        Assert.Equal(Events.T0, json.RootElement.GetProperty("sent_at").GetDateTimeOffset());

        IReadOnlyList<DeliveryAttempt> attempts = await _f.Outbox.ListAttemptsAsync(TenantScope.For(_f.TownA), id);
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal((DeliveryOutcome.Succeeded, 1, contact.Id), (a.Outcome, a.Attempt, a.Contact)));
        Assert.Equal([NotificationChannelKind.Email, NotificationChannelKind.Webhook], attempts.Select(a => a.Channel).Order());

        // Nothing is sent twice.
        _f.Clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await _f.Dispatch());
        Assert.Single(_f.Smtp.Messages);
    }

    [Fact]
    public async Task Medium_and_low_wait_and_go_out_as_one_digest_per_contact()
    {
        NotificationContact kato = _f.Contact(_f.TownA, "kato");
        await _f.Contacts.CreateAsync(_f.AdminA, kato);
        await _f.Contacts.CreateAsync(_f.AdminA, _f.Contact(_f.TownA, "chief", webhook: false, minimum: Severity.High));
        Guid first = await _f.Notify(_f.TownA, Severity.Medium, "USB 記憶媒体の接続", "m-1");
        await _f.Dispatch();
        _f.Clock.Advance(TimeSpan.FromMinutes(10));
        await _f.Notify(_f.TownA, Severity.Low, "定義ファイルの更新遅延", "m-2");
        await _f.Notify(_f.TownA, Severity.Informational, "情報のみ", "i-1");
        await _f.Dispatch();
        Assert.Empty(_f.Smtp.Messages);
        Assert.Empty(_f.Webhook.Requests);

        _f.Clock.Advance(TimeSpan.FromMinutes(49));
        Assert.Equal(0, await _f.Dispatch());
        Assert.Empty(_f.Smtp.Messages);

        _f.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, await _f.Dispatch());
        SinkMessage digest = Assert.Single(_f.Smtp.Messages);
        Assert.Equal(["kato@example.lg.jp"], digest.To);
        Assert.Equal("Yamori: 2 件の通知（ダイジェスト）", digest.Subject);
        Assert.Contains("[medium]", digest.Body, StringComparison.Ordinal);
        Assert.Contains("USB 記憶媒体の接続", digest.Body, StringComparison.Ordinal);
        Assert.Contains("定義ファイルの更新遅延", digest.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("情報のみ", digest.Body, StringComparison.Ordinal);
        ReceivedRequest hook = Assert.Single(_f.Webhook.Requests);
        using JsonDocument json = JsonDocument.Parse(hook.Body);
        Assert.True(json.RootElement.GetProperty("digest").GetBoolean());
        Assert.Equal("medium", json.RootElement.GetProperty("severity").GetString());

        // The notification's route names the digest whose attempts carry its id.
        NotificationRoute route = Assert.Single(await _f.Outbox.ListRoutesAsync(TenantScope.For(_f.TownA), first));
        Assert.Equal((kato.Id, RouteMode.Digest), (route.Contact, route.Mode));
        Assert.Equal(json.RootElement.GetProperty("notification_id").GetGuid(), route.BatchId);
        Assert.Equal(2, (await _f.Outbox.ListAttemptsAsync(TenantScope.For(_f.TownA), route.BatchId)).Count);
        Assert.Empty(await _f.Outbox.ListRoutesAsync(TenantScope.For(_f.TownB), first));

        _f.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await _f.Dispatch());
        Assert.Single(_f.Smtp.Messages);
    }

    [Fact]
    public async Task The_same_dedup_key_reaches_a_contact_once_within_the_window()
    {
        await _f.Contacts.CreateAsync(_f.AdminA, _f.Contact(_f.TownA, "kato", webhook: false));
        await _f.Notify(_f.TownA, Severity.High, "同じアラート", "alert-7");
        await _f.Dispatch();
        _f.Clock.Advance(TimeSpan.FromMinutes(5));
        Guid repeat = await _f.Notify(_f.TownA, Severity.High, "同じアラート", "alert-7");
        await _f.Notify(_f.TownA, Severity.High, "別のアラート", "alert-8");
        await _f.Dispatch();
        Assert.Equal(["同じアラート", "別のアラート"], _f.Smtp.Messages.Select(m => m.Subject));
        Assert.Equal(RouteMode.Duplicate, Assert.Single(await _f.Outbox.ListRoutesAsync(TenantScope.For(_f.TownA), repeat)).Mode);

        _f.Clock.Advance(_f.Options.DedupWindow);
        await _f.Notify(_f.TownA, Severity.High, "同じアラート", "alert-7");
        await _f.Dispatch();
        Assert.Equal(3, _f.Smtp.Messages.Count);
    }

    [Fact]
    public async Task An_alert_that_escalates_under_the_same_key_still_goes_out()
    {
        await _f.Contacts.CreateAsync(_f.AdminA, _f.Contact(_f.TownA, "kato", webhook: false));
        await _f.Notify(_f.TownA, Severity.Medium, "疑わしい通信", "alert-9");
        await _f.Notify(_f.TownA, Severity.Critical, "疑わしい通信（重大に格上げ）", "alert-9");
        await _f.Notify(_f.TownA, Severity.High, "疑わしい通信（再通知）", "alert-9");
        await _f.Dispatch();
        Assert.Equal(["疑わしい通信（重大に格上げ）"], _f.Smtp.Messages.Select(m => m.Subject));
    }

    [Fact]
    public async Task A_failing_webhook_is_retried_with_backoff_and_every_attempt_recorded()
    {
        NotificationContact contact = _f.Contact(_f.TownA, "kato", email: false);
        await _f.Contacts.CreateAsync(_f.AdminA, contact);
        _f.Webhook.FailNext = 2;
        Guid id = await _f.Notify(_f.TownA, Severity.Critical, "再送テスト", "r-1");

        await _f.Dispatch();
        _f.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await _f.Dispatch());
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _f.Dispatch());
        _f.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await _f.Dispatch());
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _f.Dispatch());

        Assert.Equal([500, 500, 200], _f.Webhook.Requests.Select(r => r.AnsweredStatus));
        IReadOnlyList<DeliveryAttempt> attempts = await _f.Outbox.ListAttemptsAsync(TenantScope.For(_f.TownA), id);
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal([DeliveryOutcome.Retrying, DeliveryOutcome.Retrying, DeliveryOutcome.Succeeded], attempts.Select(a => a.Outcome));
        Assert.Equal([Events.T0, Events.T0.AddSeconds(30), Events.T0.AddSeconds(90)], attempts.Select(a => a.At));
        Assert.Contains("HTTP 500", attempts[0].Error, StringComparison.Ordinal);
        Assert.Null(attempts[2].Error);
        Assert.All(attempts, a => Assert.Equal(contact.Id, a.Contact));
        Assert.Equal(MessageState.Sent, Assert.Single(await _f.Outbox.ListMessagesAsync(TenantScope.For(_f.TownA), id)).State);
    }

    [Fact]
    public async Task A_permanently_failing_contact_is_marked_failed_and_others_still_get_theirs()
    {
        NotificationContact broken = _f.Contact(_f.TownA, "broken", email: false, path: "/broken");
        await _f.Contacts.CreateAsync(_f.AdminA, broken);
        await _f.Contacts.CreateAsync(_f.AdminA, _f.Contact(_f.TownA, "kato", webhook: false));
        await _f.Contacts.CreateAsync(_f.AdminA, _f.Contact(_f.TownA, "gone", webhook: false) with { Email = "gone@example.lg.jp" });
        _f.Smtp.RefusedRecipients["gone@example.lg.jp"] = true;
        _f.Webhook.AlwaysFail = true;
        Guid id = await _f.Notify(_f.TownA, Severity.Critical, "失敗テスト", "f-1");

        for (int i = 0; i < 10; i++)
        {
            await _f.Dispatch();
            _f.Clock.Advance(_f.Options.MaxRetryDelay);
        }

        Assert.Single(_f.Smtp.Messages);
        Assert.Equal(_f.Options.MaxAttempts, _f.Webhook.Requests.Count);
        IReadOnlyList<DeliveryAttempt> attempts = await _f.Outbox.ListAttemptsAsync(TenantScope.For(_f.TownA), id);
        DeliveryAttempt[] brokenAttempts = attempts.Where(a => a.Contact == broken.Id).ToArray();
        Assert.Equal(_f.Options.MaxAttempts, brokenAttempts.Length);
        Assert.Equal(DeliveryOutcome.Failed, brokenAttempts[^1].Outcome);
        Assert.All(attempts, a => Assert.DoesNotContain(NotificationFixture.SecretA, a.Error ?? "", StringComparison.Ordinal));
        Assert.Contains(attempts, a => a.Outcome == DeliveryOutcome.Retrying && a.Error!.Contains("550", StringComparison.Ordinal));

        IReadOnlyList<OutboxMessage> messages = await _f.Outbox.ListMessagesAsync(TenantScope.For(_f.TownA), id);
        Assert.Equal([MessageState.Sent, MessageState.Failed, MessageState.Failed], messages.Select(m => m.State).Order());
    }

    [Fact]
    public async Task An_unreachable_smtp_relay_is_recorded_as_a_failed_attempt()
    {
        var closed = new SmtpSink();
        int deadPort = closed.Port;
        await closed.DisposeAsync();
        var channel = new EmailChannel(new SmtpOptions { Host = "127.0.0.1", Port = deadPort, From = "yamori@soc.example.lg.jp" });
        NotificationContact contact = _f.Contact(_f.TownA, "kato", webhook: false);
        var message = new OutboxMessage(Guid.NewGuid(), _f.TownA, contact.Id, NotificationChannelKind.Email, false, Guid.NewGuid(),
            Severity.High, "件名", "本文", null, MessageState.Pending, 0, Events.T0, Events.T0);

        NotificationDeliveryException ex = await Assert.ThrowsAsync<NotificationDeliveryException>(
            () => channel.SendAsync(contact, message, Events.T0, CancellationToken.None));
        Assert.Contains("failed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restarted_dispatcher_delivers_what_was_pending()
    {
        await _f.Contacts.CreateAsync(_f.AdminA, _f.Contact(_f.TownA, "kato"));
        _f.Webhook.FailNext = 1;
        await _f.Notify(_f.TownA, Severity.Critical, "再起動前の緊急", "c-1");
        await _f.Dispatch();
        await _f.Notify(_f.TownA, Severity.Medium, "再起動前の中", "m-1");
        await _f.Notify(_f.TownA, Severity.High, "未配送の高", "h-1");
        Assert.Single(_f.Webhook.Requests);

        _f.Restart();
        _f.Clock.Advance(TimeSpan.FromMinutes(1));
        await _f.Dispatch();
        Assert.Equal(["再起動前の緊急", "未配送の高"], _f.Smtp.Messages.Select(m => m.Subject));
        Assert.Equal(3, _f.Webhook.Requests.Count);

        _f.Restart();
        _f.Clock.Advance(_f.Options.DigestPeriod);
        await _f.Dispatch();
        Assert.Contains("再起動前の中", _f.Smtp.Messages.Last().Body, StringComparison.Ordinal);
        Assert.Equal(3, _f.Smtp.Messages.Count);
    }

    [Fact]
    public async Task RunAsync_delivers_a_critical_notification_when_woken()
    {
        await _f.Contacts.CreateAsync(_f.AdminA, _f.Contact(_f.TownA, "kato", webhook: false));
        using var stop = new CancellationTokenSource();
        Task loop = _f.Dispatcher.RunAsync(stop.Token);
        await _f.Notify(_f.TownA, Severity.Critical, "ループ", "loop-1");
        // A bound, not a timing assertion: a broken wake-up fails here instead of hanging the run.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (_f.Smtp.Messages.IsEmpty)
        {
            await Task.Delay(20, bound.Token);
        }

        await stop.CancelAsync();
        await loop;
        Assert.Equal("ループ", Assert.Single(_f.Smtp.Messages).Subject);
    }

    [Fact]
    public async Task Notifications_of_one_town_never_reach_another_towns_contacts_or_attempt_log()
    {
        await _f.Contacts.CreateAsync(_f.AdminA, _f.Contact(_f.TownA, "kato", webhook: false));
        await _f.Contacts.CreateAsync(_f.AdminB, _f.Contact(_f.TownB, "sato", webhook: false));
        Guid a = await _f.Notify(_f.TownA, Severity.Critical, "A の件", "x");
        await _f.Dispatch();

        Assert.Equal(["kato@example.lg.jp"], Assert.Single(_f.Smtp.Messages).To);
        Assert.Empty(await _f.Outbox.ListAttemptsAsync(TenantScope.For(_f.TownB)));
        Assert.Empty(await _f.Outbox.ListAttemptsAsync(TenantScope.For(_f.TownB), a));
        Assert.Empty(await _f.Outbox.ListMessagesAsync(TenantScope.For(_f.TownB)));
        Assert.Single(await _f.Outbox.ListAttemptsAsync(TenantScope.AllTenants));
    }

    [Fact]
    public async Task Invalid_requests_are_refused_naming_the_field_and_nothing_is_stored()
    {
        var good = new NotificationRequest(_f.TownA, Severity.High, "件名", "本文", null, "k");
        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(() => _f.Notifier.NotifyAsync(good with { Subject = "a\r\nBcc: x@y" }).AsTask());
        Assert.Equal("Subject", ex.ParamName);
        ex = await Assert.ThrowsAsync<ArgumentException>(() => _f.Notifier.NotifyAsync(good with { DedupKey = "" }).AsTask());
        Assert.Equal("DedupKey", ex.ParamName);
        ex = await Assert.ThrowsAsync<ArgumentException>(() => _f.Notifier.NotifyAsync(good with { Link = "javascript:alert(1)" }).AsTask());
        Assert.Equal("Link", ex.ParamName);
        ex = await Assert.ThrowsAsync<ArgumentException>(() => _f.Notifier.NotifyAsync(good with { Severity = (Severity)9 }).AsTask());
        Assert.Equal("Severity", ex.ParamName);
        Assert.Equal(0, await _f.Outbox.FanOutAsync(Events.T0, TimeSpan.Zero));
    }
}
