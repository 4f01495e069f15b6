using System.Net.Security;
using System.Text;

namespace Yamori.Cloud.Notifications;

/// <summary>When the SMTP client upgrades the connection with STARTTLS.</summary>
public enum SmtpTlsMode
{
    /// <summary>Upgrade when the server offers STARTTLS; send in clear otherwise (never authenticate in clear off loopback).</summary>
    WhenOffered = 1,

    /// <summary>Refuse to send unless the server offers STARTTLS.</summary>
    Required = 2,

    /// <summary>Never upgrade (test sinks only).</summary>
    Never = 3,
}

/// <summary>The relay the cloud sends notification mail through.</summary>
public sealed record SmtpOptions
{
    public required string Host { get; init; }

    public int Port { get; init; } = 587;

    /// <summary>Envelope and header sender address.</summary>
    public required string From { get; init; }

    /// <summary>Sender display name (may be Japanese).</summary>
    public string FromName { get; init; } = "Yamori";

    /// <summary>Name this client gives in EHLO.</summary>
    public string HeloName { get; init; } = "yamori.invalid";

    public SmtpTlsMode Tls { get; init; } = SmtpTlsMode.WhenOffered;

    /// <summary>AUTH PLAIN user; null sends without authenticating.</summary>
    public string? Username { get; init; }

    /// <summary>AUTH PLAIN password; never logged nor shown by <see cref="ToString"/>.</summary>
    public string? Password { get; init; }

    /// <summary>Whole-conversation limit per message.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Replaces the system's certificate check after STARTTLS (a relay with a private CA); null uses the default.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("smtp host is required", nameof(Host));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Port, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        if (!NotificationContact.IsValidEmail(From))
        {
            throw new ArgumentException("smtp from must be a plain address", nameof(From));
        }

        if (HeloName.Any(c => c <= ' ' || c > '~'))
        {
            throw new ArgumentException("smtp heloName must be printable ASCII without spaces", nameof(HeloName));
        }

        if ((Username is null) != (Password is null))
        {
            throw new ArgumentException("smtp username and password go together", nameof(Username));
        }
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Host = {Host}, Port = {Port}, From = {From}, Tls = {Tls}, Username = {Username}, Password = {(Password is null ? "none" : "***")}");
        return true;
    }
}
