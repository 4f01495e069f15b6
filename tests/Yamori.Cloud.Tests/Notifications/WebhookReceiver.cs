using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Yamori.Cloud.Tests.Notifications;

/// <summary>A request as the receiver got it.</summary>
internal sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredStatus)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// An HTTP/1.1 endpoint on loopback that records every request (before answering) and answers 500
/// to the next <see cref="FailNext"/> requests, or to every one when <see cref="AlwaysFail"/>.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private int _failNext;

    public WebhookReceiver()
    {
        _listener.Start();
        _accept = AcceptLoop();
    }

    public Uri Url(string path = "/hook") => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}");

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public int FailNext
    {
        get => Volatile.Read(ref _failNext);
        set => Volatile.Write(ref _failNext, value);
    }

    public bool AlwaysFail { get; set; }

    /// <summary>While set, requests are recorded but never answered (until disposal).</summary>
    public bool Hang { get; set; }

    public async ValueTask DisposeAsync()
    {
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
            NetworkStream stream = client.GetStream();
            var head = new List<byte>();
            var one = new byte[1];
            while (!EndsWithBlankLine(head))
            {
                if (await stream.ReadAsync(one) == 0)
                {
                    return;
                }

                head.Add(one[0]);
            }

            string[] lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            string[] requestLine = lines[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }

            int length = headers.TryGetValue("Content-Length", out string? cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
            byte[] body = new byte[length];
            await stream.ReadExactlyAsync(body);

            if (Hang)
            {
                Requests.Enqueue(new ReceivedRequest(requestLine[0], requestLine[1], headers, body, 0));
                try
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            }

            bool fail = AlwaysFail || Interlocked.Decrement(ref _failNext) >= 0;
            if (!fail)
            {
                Interlocked.Exchange(ref _failNext, 0);
            }

            int status = fail ? 500 : 200;
            Requests.Enqueue(new ReceivedRequest(requestLine[0], requestLine[1], headers, body, status));
            string reason = fail ? "Internal Server Error" : "OK";
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        }
    }

    private static bool EndsWithBlankLine(List<byte> bytes) =>
        bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n';
}
