using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Yamori.Cloud.Tests.Notifications;

/// <summary>A message as the sink received it.</summary>
internal sealed record SinkMessage(string From, IReadOnlyList<string> To, string Data, bool OverTls = false, string? AuthenticatedUser = null)
{
    /// <summary>A header, unfolded; null when absent.</summary>
    public string? Header(string name)
    {
        string head = Data[..Data.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Replace("\r\n ", " ", StringComparison.Ordinal);
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>The subject with RFC 2047 B-encoded UTF-8 words decoded (whitespace between words dropped, as the RFC says).</summary>
    public string Subject => DecodeWords(Header("Subject") ?? "");

    /// <summary>The body, base64-decoded as UTF-8.</summary>
    public string Body
    {
        get
        {
            string raw = Data[(Data.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
            return Encoding.UTF8.GetString(Convert.FromBase64String(raw.Replace("\r\n", "", StringComparison.Ordinal)));
        }
    }

    public static string DecodeWords(string value)
    {
        MatchCollection words = Regex.Matches(value, @"=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=", RegexOptions.IgnoreCase);
        if (words.Count == 0)
        {
            return value;
        }

        return string.Concat(words.Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value))));
    }
}

/// <summary>
/// A tiny SMTP server on loopback: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It records a
/// message before answering 250 to its DATA, so once the client returns, the message is here.
/// </summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2? _certificate;
    private readonly Task _accept;
    private int _disposed;

    /// <param name="certificate">When given, the sink offers STARTTLS, and AUTH PLAIN once TLS is up.</param>
    public SmtpSink(X509Certificate2? certificate = null)
    {
        _certificate = certificate;
        _listener.Start();
        _accept = AcceptLoop();
    }

    /// <summary>The user and password AUTH PLAIN accepts.</summary>
    public (string User, string Password) Credentials { get; set; } = ("relay-user", "relay-password");

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<SinkMessage> Messages { get; } = new();

    /// <summary>Recipients whose RCPT is refused with 550.</summary>
    public ConcurrentDictionary<string, bool> RefusedRecipients { get; } = new(StringComparer.OrdinalIgnoreCase);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            Stream stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 sink.test ESMTP");
            string? from = null;
            string? user = null;
            bool tls = false;
            var to = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                string verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-sink.test");
                        if (_certificate is not null && !tls)
                        {
                            await writer.WriteLineAsync("250-STARTTLS");
                        }

                        if (tls)
                        {
                            await writer.WriteLineAsync("250-AUTH PLAIN");
                        }

                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "STARTTLS" when _certificate is not null && !tls:
                        await writer.WriteLineAsync("220 go ahead");
                        var ssl = new SslStream(stream);
                        await ssl.AuthenticateAsServerAsync(_certificate);
                        stream = ssl;
                        reader = new StreamReader(stream, Encoding.ASCII);
                        writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                        tls = true;
                        break;
                    case "AUTH" when tls:
                        string[] parts = Encoding.UTF8.GetString(Convert.FromBase64String(line.Split(' ')[2])).Split('\0');
                        if (parts[1] == Credentials.User && parts[2] == Credentials.Password)
                        {
                            user = parts[1];
                            await writer.WriteLineAsync("235 authenticated");
                        }
                        else
                        {
                            await writer.WriteLineAsync("535 authentication failed");
                        }

                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 sink.test");
                        break;
                    case "MAIL":
                        from = Address(line);
                        to.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        string rcpt = Address(line);
                        if (RefusedRecipients.ContainsKey(rcpt))
                        {
                            await writer.WriteLineAsync("550 no such mailbox");
                        }
                        else
                        {
                            to.Add(rcpt);
                            await writer.WriteLineAsync("250 OK");
                        }

                        break;
                    case "DATA":
                        if (from is null || to.Count == 0)
                        {
                            await writer.WriteLineAsync("503 need MAIL and RCPT first");
                            break;
                        }

                        await writer.WriteLineAsync("354 go ahead");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }

                        Messages.Enqueue(new SinkMessage(from, to.ToArray(), data.ToString(), tls, user));
                        await writer.WriteLineAsync("250 queued");
                        break;
                    case "RSET":
                    case "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        await stream.DisposeAsync();
                        return;
                    default:
                        await writer.WriteLineAsync("502 not implemented");
                        break;
                }
            }

            await stream.DisposeAsync();
        }
    }

    private static string Address(string line)
    {
        int open = line.IndexOf('<', StringComparison.Ordinal);
        int close = line.IndexOf('>', StringComparison.Ordinal);
        return open >= 0 && close > open ? line[(open + 1)..close] : "";
    }
}
