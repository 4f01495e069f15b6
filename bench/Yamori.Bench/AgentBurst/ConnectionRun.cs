using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Yamori.Agent.Linux.Network;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Bench.AgentBurst;

/// <summary>
/// <c>agent-burst --connections N --rate R</c>: N loopback TCP connections at R per second (each
/// connected, accepted, closed at once) while the network collector polls; reports what it saw
/// and its own CPU time (CpuTimeInPolls), separate from the load generator's CPU.
/// </summary>
internal static class ConnectionRun
{
    public static async Task<int> RunAsync(int count, int rate)
    {
        var collector = new NetworkCollector();
        var sink = new Sink();
        using var stop = new CancellationTokenSource();
        Task run = Task.Run(() => collector.RunAsync(sink, stop.Token));
        await collector.Started;

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(1024);
        sink.Port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        Task acceptor = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
            {
                using TcpClient c = await listener.AcceptTcpClientAsync();
            }
        });

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            }

            TimeSpan due = TimeSpan.FromSeconds((double)(i + 1) / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
        }

        await acceptor;
        TimeSpan elapsed = clock.Elapsed;
        await Task.Delay(1000);
        await stop.CancelAsync();
        await run;
        Console.WriteLine($"connections: {count} in {elapsed.TotalSeconds:F1} s ({count / elapsed.TotalSeconds:F0}/s), poll interval 250 ms");
        Console.WriteLine($"network collector: {sink.Initiated} connects and {sink.Accepted} accepts seen, {sink.Attributed} with a process; " +
            $"{collector.Polls} polls, {collector.OwnerScans} full and {collector.TargetedOwnerScans} targeted /proc scans, CPU in polls {collector.CpuTimeInPolls.TotalSeconds:F2} s " +
            $"({100 * collector.CpuTimeInPolls.TotalSeconds / elapsed.TotalSeconds:F1} % of one core)");
        return 0;
    }

    private sealed class Sink : ITelemetrySink
    {
        private int _initiated;
        private int _accepted;
        private int _attributed;

        public string? Port { get; set; }

        public int Initiated => Volatile.Read(ref _initiated);

        public int Accepted => Volatile.Read(ref _accepted);

        public int Attributed => Volatile.Read(ref _attributed);

        public bool Publish(FlatEvent telemetry, EventPriority priority)
        {
            if (telemetry.TryGetField("DestinationPort", out FieldValue port) && port.Text == Port)
            {
                bool initiated = telemetry.TryGetField("Initiated", out FieldValue i) && i.Text == "true";
                Interlocked.Increment(ref initiated ? ref _initiated : ref _accepted);
                if (telemetry.TryGetField("ProcessId", out _))
                {
                    Interlocked.Increment(ref _attributed);
                }
            }

            return true;
        }
    }
}
