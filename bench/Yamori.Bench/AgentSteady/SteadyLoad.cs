using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Yamori.Bench.AgentSteady;

/// <summary>
/// The host activity the agent watches during the steady run: process starts (<c>/bin/true
/// MARKER n</c>) and loopback TCP connections (connect, accept, close), each paced to a fixed rate
/// by its own loop so a slow spawn never bunches the connections up or the other way round.
/// </summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private int _execs;
    private int _connections;

    public SteadyLoad(string marker)
    {
        Marker = marker;
        _listener.Start(4096);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public string Marker { get; }

    /// <summary>The listener's port: the agent's connection events name it as destination port.</summary>
    public int Port { get; }

    public int Execs => Volatile.Read(ref _execs);

    public int Connections => Volatile.Read(ref _connections);

    public void Start(int execsPerSecond, int connectionsPerSecond)
    {
        if (execsPerSecond > 0)
        {
            _loops.Add(Task.Run(() => PacedAsync(execsPerSecond, SpawnAsync)));
        }

        if (connectionsPerSecond > 0)
        {
            _loops.Add(Task.Run(AcceptAsync));
            _loops.Add(Task.Run(() => PacedAsync(connectionsPerSecond, ConnectAsync)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped mid-accept or mid-connect.
        }

        _stop.Dispose();
    }

    private async Task PacedAsync(int perSecond, Func<int, Task> act)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; !_stop.IsCancellationRequested; i++)
        {
            await act(i);

            // Paced by schedule, not by sleeping a fixed gap: time lost in one act is made up later.
            TimeSpan due = TimeSpan.FromSeconds((double)(i + 1) / perSecond);
            TimeSpan now = clock.Elapsed;
            if (due > now)
            {
                await Task.Delay(due - now, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task SpawnAsync(int i)
    {
        using Process p = Process.Start("/bin/true", [Marker, i.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await p.WaitForExitAsync();
        Interlocked.Increment(ref _execs);
    }

    private async Task ConnectAsync(int i)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, _stop.Token);
        Interlocked.Increment(ref _connections);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using TcpClient accepted = await _listener.AcceptTcpClientAsync(_stop.Token);
        }
    }
}
