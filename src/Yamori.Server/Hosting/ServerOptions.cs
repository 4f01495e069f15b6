using System.Net;

namespace Yamori.Server.Hosting;

/// <summary>How <c>yamori up</c> runs: where its data lives and where it listens.</summary>
public sealed record ServerOptions
{
    /// <summary>The data directory: database, CA files, collected files. Created when absent.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>REST API, enrollment and (later) the console. TLS with the cloud's own server certificate; no client certificate.</summary>
    public IPEndPoint ApiEndpoint { get; init; } = new(IPAddress.Loopback, 8443);

    /// <summary>The agents' gRPC stream. TLS that requires a device client certificate; HTTP/2 only.</summary>
    public IPEndPoint AgentEndpoint { get; init; } = new(IPAddress.Loopback, 8444);

    /// <summary>
    /// The agent endpoint as agents reach it (a DNS name or a NAT address), told to each agent at
    /// enrollment; null tells the listener's own address.
    /// </summary>
    public Uri? AgentPublicUrl { get; init; }

    /// <summary>Host names agents and browsers use to reach this cloud; they go into the server certificate.</summary>
    public IReadOnlyList<string> ServerNames { get; init; } = ["localhost"];

    /// <summary>Sigma rule files or folders loaded at start (the global packs every tenant starts from).</summary>
    public IReadOnlyList<string> RuleDirectories { get; init; } = [];

    /// <summary>Values for placeholder rules (see config/placeholders.example.yml); null leaves those rules unloaded.</summary>
    public string? PlaceholdersPath { get; init; }

    /// <summary>Alert merge and incident windows, minimum level.</summary>
    public Yamori.Cloud.Detection.DetectionOptions Detection { get; init; } = new();

    /// <summary>Which roles may order which response actions, expiry, collected-file limits.</summary>
    public Yamori.Cloud.Response.ResponseOptions Response { get; init; } = new();

    /// <summary>Outgoing mail for notifications; null sends webhooks only (e-mail deliveries are recorded as failed).</summary>
    public Yamori.Cloud.Notifications.SmtpOptions? Smtp { get; init; }

    /// <summary>Digest period, de-duplication window, retries.</summary>
    public Yamori.Cloud.Notifications.NotificationOptions Notifications { get; init; } = new();

    /// <summary>Lockout, session lifetimes and password-hash cost.</summary>
    public Yamori.Cloud.Identity.IdentityOptions Identity { get; init; } = new();

    /// <summary>Create the demo prefecture (two towns with segments and enrollment tokens) on first start.</summary>
    public bool Demo { get; init; }
}
