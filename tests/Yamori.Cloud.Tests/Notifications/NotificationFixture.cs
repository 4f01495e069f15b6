using Yamori.Cloud.Identity;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Notifications;

/// <summary>A database, a manual clock, an SMTP sink, a webhook receiver and the notification parts over them.</summary>
internal sealed class NotificationFixture : IAsyncDisposable
{
    public const string SecretA = "s3cr3t-webhook-key-of-town-a";

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public NotificationFixture(NotificationOptions? options = null)
    {
        Options = options ?? new NotificationOptions
        {
            DigestPeriod = TimeSpan.FromMinutes(60),
            DedupWindow = TimeSpan.FromMinutes(30),
            MaxAttempts = 4,
            RetryBaseDelay = TimeSpan.FromSeconds(30),
            MaxRetryDelay = TimeSpan.FromMinutes(10),
        };
        Open(Temp.Database);
    }

    public TempDatabase Temp { get; } = new();

    public ManualClock Clock { get; } = new(Events.T0);

    public SmtpSink Smtp { get; } = new();

    public WebhookReceiver Webhook { get; } = new();

    public NotificationOptions Options { get; }

    public TenantId TownA { get; } = TenantId.New();

    public TenantId TownB { get; } = TenantId.New();

    public Actor AdminA => new("u-a", "kato", ActorKind.User, Role.TownAdmin, TownA, "127.0.0.1");

    public Actor AdminB => new("u-b", "sato", ActorKind.User, Role.TownAdmin, TownB, "127.0.0.1");

    public Actor ViewerA => new("u-v", "ito", ActorKind.User, Role.TownViewer, TownA, "127.0.0.1");

    public Actor Analyst => new("u-s", "soc", ActorKind.User, Role.SocAnalyst, null, "127.0.0.1");

    public SqliteContactStore Contacts { get; private set; } = null!;

    public SqliteNotificationOutbox Outbox { get; private set; } = null!;

    public NotificationDispatcher Dispatcher { get; private set; } = null!;

    public OutboxNotifier Notifier { get; private set; } = null!;

    /// <summary>Builds every part anew over a freshly opened database, as a restarted cloud would.</summary>
    public void Restart() => Open(SqliteDatabase.Open(Temp.Path));

    public NotificationContact Contact(TenantId tenant, string name, bool email = true, bool webhook = true, Severity minimum = Severity.Low, string path = "/hook") =>
        new(ContactId.New(), tenant, name, email ? $"{name}@example.lg.jp" : null, webhook ? Webhook.Url(path) : null,
            webhook ? SecretA : null, minimum, true);

    public Task<Guid> Notify(TenantId tenant, Severity severity, string subject, string dedup, string body = "本文") =>
        Notifier.NotifyAsync(new NotificationRequest(tenant, severity, subject, body, "https://soc.example.lg.jp/alerts/1", dedup)).AsTask();

    public Task<int> Dispatch() => Dispatcher.DispatchDueAsync(Clock.GetUtcNow());

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Smtp.DisposeAsync();
        await Webhook.DisposeAsync();
        Temp.Dispose();
    }

    private void Open(SqliteDatabase database)
    {
        Contacts = new SqliteContactStore(database, Clock);
        Outbox = new SqliteNotificationOutbox(database);
        INotificationChannel[] channels =
        [
            new EmailChannel(new SmtpOptions { Host = "127.0.0.1", Port = Smtp.Port, From = "yamori@soc.example.lg.jp", FromName = "やもり SOC", Tls = SmtpTlsMode.WhenOffered }),
            new WebhookChannel(_http, TimeSpan.FromSeconds(20)),
        ];
        Dispatcher = new NotificationDispatcher(Outbox, Contacts, channels, Options, Clock);
        Notifier = new OutboxNotifier(Outbox, Clock, Dispatcher);
    }
}
