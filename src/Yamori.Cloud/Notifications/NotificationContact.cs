using System.Net;
using System.Net.Mail;
using System.Text;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Notifications;

/// <summary>A notification contact of one tenant.</summary>
public readonly record struct ContactId(Guid Value)
{
    public static ContactId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString("D");
}

/// <summary>
/// Someone a town wants told about its alerts: by e-mail, by webhook, or both.
/// </summary>
/// <param name="Email">Plain address (no display name); null for webhook-only contacts.</param>
/// <param name="WebhookUrl">https, or http to a loopback host (development and tests only).</param>
/// <param name="WebhookSecret">
/// Key for the <c>X-Yamori-Signature</c> HMAC; never logged, never in <see cref="ToString"/> or in
/// audit snapshots. On update, null keeps the stored secret.
/// </param>
/// <param name="MinimumSeverity">Notifications below this are not sent to this contact.</param>
public sealed record NotificationContact(
    ContactId Id,
    TenantId Tenant,
    string Name,
    string? Email,
    Uri? WebhookUrl,
    string? WebhookSecret,
    Severity MinimumSeverity,
    bool Enabled)
{
    /// <summary>
    /// What the audit log and the API may show: no secret, and the webhook only as scheme and host —
    /// chat services' webhook URLs carry their credential in the path, so the path is write-only too.
    /// </summary>
    public ContactSnapshot ToSnapshot() =>
        new(Id, Tenant, Name, Email, WebhookUrl is { } url ? MaskPath(url) : null, WebhookSecret is not null, MinimumSeverity, Enabled);

    private static Uri MaskPath(Uri url) =>
        url.AbsolutePath is "/" or "" ? new Uri(url.GetLeftPart(UriPartial.Authority) + "/") : new Uri(url.GetLeftPart(UriPartial.Authority) + "/***");

    /// <summary>Checks every field; the message names the offending one.</summary>
    /// <exception cref="ArgumentException">A field is invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200 || Name.Any(char.IsControl))
        {
            throw new ArgumentException("name must be 1 to 200 characters without control characters", nameof(Name));
        }

        if (Email is null && WebhookUrl is null)
        {
            throw new ArgumentException("a contact needs an email or a webhookUrl", nameof(Email));
        }

        if (Email is not null && !IsValidEmail(Email))
        {
            throw new ArgumentException("email must be a plain address such as soc@example.lg.jp", nameof(Email));
        }

        if (WebhookUrl is not null && ValidateWebhookUrl(WebhookUrl) is { } urlError)
        {
            throw new ArgumentException(urlError, nameof(WebhookUrl));
        }

        if (WebhookSecret is not null && (WebhookSecret.Length < 16 || WebhookSecret.Length > 256))
        {
            throw new ArgumentException("webhookSecret must be 16 to 256 characters", nameof(WebhookSecret));
        }

        if (!Severities.IsDefined(MinimumSeverity))
        {
            throw new ArgumentException("minimumSeverity is not a known severity", nameof(MinimumSeverity));
        }
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Id = {Id}, Tenant = {Tenant}, Name = {Name}, Email = {Email}, WebhookUrl = {WebhookUrl}, ");
        builder.Append($"WebhookSecret = {(WebhookSecret is null ? "none" : "***")}, MinimumSeverity = {MinimumSeverity}, Enabled = {Enabled}");
        return true;
    }

    internal static bool IsValidEmail(string email)
    {
        if (email.Length > 254 || email.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>' or ',' or ';' or '"'))
        {
            return false;
        }

        return MailAddress.TryCreate(email, out MailAddress? parsed)
            && parsed.Address == email
            && string.IsNullOrEmpty(parsed.DisplayName)
            && parsed.Host.Contains('.', StringComparison.Ordinal);
    }

    internal static string? ValidateWebhookUrl(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return "webhookUrl must be an absolute URL";
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "webhookUrl must not carry credentials; use webhookSecret";
        }

        if (url.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }

        if (url.Scheme == Uri.UriSchemeHttp && IsLoopback(url))
        {
            return null;
        }

        return "webhookUrl must use https (plain http only to a loopback host)";
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.IdnHost, out IPAddress? ip) && IPAddress.IsLoopback(ip));
}

/// <summary>A contact as the audit log records it: the secret reduced to whether one is set.</summary>
public sealed record ContactSnapshot(
    ContactId Id,
    TenantId Tenant,
    string Name,
    string? Email,
    Uri? WebhookUrl,
    bool HasWebhookSecret,
    Severity MinimumSeverity,
    bool Enabled);

/// <summary>Before and after a contact change, for the audit log (null before a create, after a delete).</summary>
public sealed record ContactChange(ContactSnapshot? Before, ContactSnapshot? After);

/// <summary>The actor's role may not change contacts (town viewers are read-only).</summary>
public sealed class ContactAccessDeniedException : Exception
{
    public ContactAccessDeniedException()
    {
    }

    public ContactAccessDeniedException(string message)
        : base(message)
    {
    }

    public ContactAccessDeniedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
