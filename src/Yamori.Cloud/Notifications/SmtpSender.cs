using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Yamori.Cloud.Notifications;

/// <summary>
/// A minimal SMTP client (RFC 5321): EHLO, STARTTLS when offered, AUTH PLAIN, one message per
/// connection. Small on purpose: notification mail needs nothing more, and it keeps the cloud
/// free of a mail library's dependency tree.
/// </summary>
internal sealed class SmtpSender(SmtpOptions options)
{
    public async Task SendAsync(string to, string message, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(options.Host, options.Port, cancellationToken);
        Stream stream = tcp.GetStream();
        try
        {
            await Expect(stream, 220, "greeting", cancellationToken);
            IReadOnlyList<string> capabilities = await Ehlo(stream, cancellationToken);
            bool tls = false;
            bool offered = capabilities.Any(c => c.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase));
            if (offered && options.Tls != SmtpTlsMode.Never)
            {
                await Command(stream, "STARTTLS", 220, cancellationToken);
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = options.Host,
                        RemoteCertificateValidationCallback = options.CertificateValidation,
                    },
                    cancellationToken);
                stream = ssl;
                tls = true;
                await Ehlo(stream, cancellationToken);
            }
            else if (options.Tls == SmtpTlsMode.Required)
            {
                throw new NotificationDeliveryException("smtp server does not offer STARTTLS, which is required");
            }

            if (options.Username is { } user)
            {
                if (!tls && !IsLoopback(options.Host))
                {
                    throw new NotificationDeliveryException("refusing to send smtp credentials without TLS");
                }

                string plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{options.Password}"));
                await Command(stream, "AUTH PLAIN " + plain, 235, cancellationToken, "AUTH PLAIN");
            }

            await Command(stream, $"MAIL FROM:<{options.From}>", 250, cancellationToken);
            await Command(stream, $"RCPT TO:<{to}>", 250, cancellationToken);
            await Command(stream, "DATA", 354, cancellationToken);
            await Write(stream, DotStuff(message) + ".\r\n", cancellationToken);
            await Expect(stream, 250, "message", cancellationToken);
            try
            {
                await Write(stream, "QUIT\r\n", cancellationToken);
                await ReadReply(stream, cancellationToken);
            }
            catch (IOException)
            {
                // The message is accepted; a server that drops the line on QUIT changes nothing.
            }
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private static string DotStuff(string message)
    {
        string text = message.EndsWith("\r\n", StringComparison.Ordinal) ? message : message + "\r\n";
        return (text.StartsWith('.') ? "." : "") + text.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out IPAddress? ip) && IPAddress.IsLoopback(ip));

    private async Task<IReadOnlyList<string>> Ehlo(Stream stream, CancellationToken cancellationToken)
    {
        await Write(stream, $"EHLO {options.HeloName}\r\n", cancellationToken);
        (int code, List<string> lines) = await ReadReply(stream, cancellationToken);
        if (code != 250)
        {
            throw new NotificationDeliveryException($"smtp EHLO refused: {code} {string.Join(" ", lines)}");
        }

        return lines.Skip(1).ToList();
    }

    private static async Task Command(Stream stream, string command, int expected, CancellationToken cancellationToken, string? shownAs = null)
    {
        await Write(stream, command + "\r\n", cancellationToken);
        await Expect(stream, expected, shownAs ?? command, cancellationToken);
    }

    private static async Task Expect(Stream stream, int expected, string what, CancellationToken cancellationToken)
    {
        (int code, List<string> lines) = await ReadReply(stream, cancellationToken);
        bool ok = code == expected || (expected == 250 && code == 251);
        if (!ok)
        {
            throw new NotificationDeliveryException($"smtp {what} refused: {code} {string.Join(" ", lines)}");
        }
    }

    private static async Task Write(Stream stream, string text, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private static async Task<(int Code, List<string> Lines)> ReadReply(Stream stream, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (true)
        {
            string line = await ReadLine(stream, cancellationToken);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int code))
            {
                throw new NotificationDeliveryException($"smtp server sent a malformed reply: {line[..Math.Min(line.Length, 80)]}");
            }

            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] != '-')
            {
                return (code, lines);
            }
        }
    }

    // Byte by byte: replies are a few lines, and no read-ahead may swallow bytes that belong to
    // the TLS handshake after STARTTLS.
    private static async Task<string> ReadLine(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        byte[] one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new NotificationDeliveryException("smtp server closed the connection");
            }

            if (one[0] == '\n')
            {
                return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            }

            if (bytes.Count > 4096)
            {
                throw new NotificationDeliveryException("smtp reply line too long");
            }

            bytes.Add(one[0]);
        }
    }
}
