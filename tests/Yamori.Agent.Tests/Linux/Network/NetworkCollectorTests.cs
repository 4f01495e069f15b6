using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Yamori.Agent.Linux.Network;
using Yamori.Agent.Telemetry;
using Yamori.Agent.Tests.Linux.Processes;
using Yamori.Sigma.Events;
using SysProcess = System.Diagnostics.Process;

namespace Yamori.Agent.Tests.Linux.Network;

/// <summary>The network collector against the real kernel socket table, with loopback sockets.</summary>
public sealed class NetworkCollectorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool IsConnection(FlatEvent e, string protocol, int destinationPort) =>
        e.Source == new LogSourceHint("linux", "network_connection", null)
        && e.Get("Protocol") == protocol
        && e.Get("DestinationPort") == Text(destinationPort);

    private static async Task<(NetworkCollector Collector, RecordingSink Sink, Task Run, CancellationTokenSource Stop)> StartAsync(NetworkCollectorOptions? options = null)
    {
        var collector = new NetworkCollector(options ?? new NetworkCollectorOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
        var sink = new RecordingSink();
        var stop = new CancellationTokenSource();
        Task run = Task.Run(() => collector.RunAsync(sink, stop.Token));
        await collector.Started.WaitAsync(TimeSpan.FromSeconds(10));
        return (collector, sink, run, stop);
    }

    [SkippableFact]
    public async Task A_child_connecting_to_our_listener_yields_a_connect_and_an_accept_with_ports_and_processes()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        var (collector, sink, run, stop) = await StartAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        // bash's /dev/tcp connects from bash itself, and `read -u 3` waits on the socket without forking.
        using SysProcess child = LinuxTestSupport.Start("/bin/bash", ["-c", $"exec 3<>/dev/tcp/127.0.0.1/{port}; read -t 20 -u 3 line"]);
        try
        {
            using TcpClient accepted = await listener.AcceptTcpClientAsync().WaitAsync(Timeout);
            int clientPort = ((IPEndPoint)accepted.Client.RemoteEndPoint!).Port;

            var (connect, priority) = await sink.WaitForAsync(
                e => IsConnection(e, "tcp", port) && e.Get("Initiated") == "true", Timeout, "the child's connect");
            Assert.Equal(EventPriority.Low, priority);
            Assert.Equal(Text(child.Id), connect.Get("ProcessId"));
            Assert.Equal(LinuxTestSupport.RealPath("/bin/bash"), connect.Get("Image"));
            Assert.Equal("root", connect.Get("User"));
            Assert.Equal("127.0.0.1", connect.Get("SourceIp"));
            Assert.Equal(Text(clientPort), connect.Get("SourcePort"));
            Assert.Equal("127.0.0.1", connect.Get("DestinationIp"));
            Assert.Equal("false", connect.Get("DestinationIsIpv6"));

            var (accept, _) = await sink.WaitForAsync(
                e => IsConnection(e, "tcp", port) && e.Get("Initiated") == "false", Timeout, "our accept");
            Assert.Equal(Text(Environment.ProcessId), accept.Get("ProcessId"));
            Assert.Equal(LinuxTestSupport.RealPath(Environment.ProcessPath!), accept.Get("Image"));
            Assert.Equal(Text(clientPort), accept.Get("SourcePort"));
            Assert.Equal("127.0.0.1", accept.Get("SourceIp"));

            // Later polls see the same sockets again and report nothing new.
            long polls = collector.Polls;
            while (collector.Polls < polls + 3)
            {
                await Task.Delay(50);
            }

            Assert.Equal(2, sink.Count(e => IsConnection(e, "tcp", port)));
        }
        finally
        {
            child.Kill();
            await stop.CancelAsync();
            await run;
        }
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_connection_that_lived_between_two_dumps_is_still_reported(bool destroyFeed)
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);

        // Dumps 2 s apart: the connection below opens and closes well between two of them.
        var (collector, sink, run, stop) = await StartAsync(new NetworkCollectorOptions { PollInterval = TimeSpan.FromSeconds(2), UseDestroyFeed = destroyFeed });
        Assert.Equal(destroyFeed, collector.DestroyFeedActive);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            int clientPort;
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
                using TcpClient server = await listener.AcceptTcpClientAsync();
                client.Close();
            }

            bool IsOurs(FlatEvent ev, string initiated) => IsConnection(ev, "tcp", port) && ev.Get("SourcePort") == Text(clientPort) && ev.Get("Initiated") == initiated;
            await sink.WaitForAsync(ev => IsOurs(ev, "true"), Timeout, "the short connection's connect");
            if (destroyFeed)
            {
                // Both ends are announced when freed; the accepted end is the listener's process.
                var (accept, _) = await sink.WaitForAsync(ev => IsOurs(ev, "false"), Timeout, "the short connection's accept");
                Assert.Equal(Text(Environment.ProcessId), accept.Get("ProcessId"));
                await Task.Delay(TimeSpan.FromSeconds(5)); // two more dumps: nothing is reported twice
                Assert.Single(sink.Events, x => IsOurs(x.Event, "true"));
                Assert.Single(sink.Events, x => IsOurs(x.Event, "false"));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [SkippableFact]
    public async Task A_connection_ending_just_after_its_listener_closed_is_still_an_accept()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        var (collector, sink, run, stop) = await StartAsync(new NetworkCollectorOptions { PollInterval = TimeSpan.FromSeconds(2) });
        Skip.IfNot(collector.DestroyFeedActive, "the kernel refused the sock_diag destroy groups");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            long polls = collector.Polls;
            while (collector.Polls < polls + 1)
            {
                await Task.Delay(50); // the listener is in a dump now
            }

            // A service stopping: it closes its listener, then its connections, all between two dumps.
            int clientPort;
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
                using TcpClient accepted = await listener.AcceptTcpClientAsync();
                listener.Stop();
            }

            // Its listener is in no dump any more, only in the one before; its process is unknown (the
            // listener's socket has left /proc), but it is an accept, not a connect to our own port.
            await sink.WaitForAsync(ev => IsConnection(ev, "tcp", port) && ev.Get("SourcePort") == Text(clientPort) && ev.Get("Initiated") == "false", Timeout, "the accept");
        }
        finally
        {
            listener.Dispose();
            await stop.CancelAsync();
            await run;
        }
    }

    [SkippableFact]
    public async Task UDP_to_a_new_destination_is_reported_once_per_destination()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        var (collector, sink, run, stop) = await StartAsync();
        using var target1 = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var target2 = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port1 = ((IPEndPoint)target1.Client.LocalEndPoint!).Port;
        int port2 = ((IPEndPoint)target2.Client.LocalEndPoint!).Port;
        try
        {
            using var sender = new UdpClient(AddressFamily.InterNetwork);
            sender.Connect(IPAddress.Loopback, port1);
            await sender.SendAsync(new byte[] { 1, 2, 3 });
            var (e, _) = await sink.WaitForAsync(ev => IsConnection(ev, "udp", port1), Timeout, "UDP to the first destination");
            Assert.Equal(Text(Environment.ProcessId), e.Get("ProcessId"));
            Assert.Equal("true", e.Get("Initiated"));
            Assert.Equal("127.0.0.1", e.Get("DestinationIp"));
            Assert.Equal(Text(((IPEndPoint)sender.Client.LocalEndPoint!).Port), e.Get("SourcePort"));

            await sender.SendAsync(new byte[] { 4 });
            long polls = collector.Polls;
            while (collector.Polls < polls + 3)
            {
                await Task.Delay(50);
            }

            Assert.Equal(1, sink.Count(ev => IsConnection(ev, "udp", port1)));

            sender.Connect(IPAddress.Loopback, port2);
            await sender.SendAsync(new byte[] { 5 });
            _ = await sink.WaitForAsync(ev => IsConnection(ev, "udp", port2), Timeout, "UDP to the second destination");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [SkippableFact]
    public async Task An_IPv6_connection_keeps_IPv6_addresses_and_an_IPv4_peer_on_a_dual_stack_socket_reads_as_IPv4()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        var (_, sink, run, stop) = await StartAsync();
        using var listener = new TcpListener(IPAddress.IPv6Any, 0);
        listener.Server.DualMode = true;
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            using var v6 = new TcpClient(AddressFamily.InterNetworkV6);
            await v6.ConnectAsync(IPAddress.IPv6Loopback, port);
            using TcpClient accepted6 = await listener.AcceptTcpClientAsync();
            using var v4 = new TcpClient(AddressFamily.InterNetwork);
            await v4.ConnectAsync(IPAddress.Loopback, port);
            using TcpClient accepted4 = await listener.AcceptTcpClientAsync();
            int v6Port = ((IPEndPoint)v6.Client.LocalEndPoint!).Port;
            int v4Port = ((IPEndPoint)v4.Client.LocalEndPoint!).Port;

            var (out6, _) = await sink.WaitForAsync(e => IsConnection(e, "tcp", port) && e.Get("Initiated") == "true" && e.Get("SourcePort") == Text(v6Port), Timeout, "the IPv6 connect");
            Assert.Equal("::1", out6.Get("DestinationIp"));
            Assert.Equal("true", out6.Get("DestinationIsIpv6"));

            // The accept of the IPv4 client happened on an AF_INET6 socket (::ffff:127.0.0.1).
            var (in4, _) = await sink.WaitForAsync(e => IsConnection(e, "tcp", port) && e.Get("Initiated") == "false" && e.Get("SourcePort") == Text(v4Port), Timeout, "the dual-stack accept");
            Assert.Equal("127.0.0.1", in4.Get("SourceIp"));
            Assert.Equal("false", in4.Get("SourceIsIpv6"));
            Assert.Equal(Text(Environment.ProcessId), in4.Get("ProcessId"));
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [SkippableFact]
    public void The_connection_snapshot_lists_our_listening_socket_with_its_owner()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        IReadOnlyList<ConnectionInfo> list = ConnectionSnapshot.List();
        ConnectionInfo mine = Assert.Single(list, c => c.Protocol == "tcp" && c.LocalPort == port);
        Assert.Equal("LISTEN", mine.State);
        Assert.Equal("::1", mine.LocalAddress);
        Assert.Equal(Environment.ProcessId, mine.ProcessId);
        Assert.Equal(LinuxTestSupport.RealPath(Environment.ProcessPath!), mine.Image);
    }
}
