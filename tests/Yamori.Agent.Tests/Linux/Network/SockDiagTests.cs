using System.Net;
using System.Net.Sockets;
using Yamori.Agent.Linux.Network;
using Yamori.Agent.Tests.Linux.Processes;

namespace Yamori.Agent.Tests.Linux.Network;

/// <summary>The sock_diag dump itself, against the real kernel socket table.</summary>
public sealed class SockDiagTests
{
    [SkippableFact]
    public void One_TCP_dump_lists_IPv4_and_IPv6_sockets_each_once()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        using var v4Listener = new TcpListener(IPAddress.Loopback, 0);
        using var v6Listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        v4Listener.Start();
        v6Listener.Start();
        int v4Port = ((IPEndPoint)v4Listener.LocalEndpoint).Port;
        int v6Port = ((IPEndPoint)v6Listener.LocalEndpoint).Port;
        using var v4 = new TcpClient(AddressFamily.InterNetwork);
        using var v6 = new TcpClient(AddressFamily.InterNetworkV6);
        v4.Connect(IPAddress.Loopback, v4Port);
        v6.Connect(IPAddress.IPv6Loopback, v6Port);
        using TcpClient v4Accepted = v4Listener.AcceptTcpClient();
        using TcpClient v6Accepted = v6Listener.AcceptTcpClient();

        using var diag = new SockDiag();
        var sockets = new List<SocketEntry>();
        diag.DumpTcp(SockDiag.AllStates, sockets);

        // This kernel answers the single legacy request; elsewhere the fallback's two dumps must agree.
        Assert.False(diag.LegacyTcpDumpRefused, "the kernel refused TCPDIAG_GETSOCK");
        Assert.All(sockets, s => Assert.Equal(SockDiag.IpProtoTcp, s.Protocol));
        Assert.Equal(sockets.Count, sockets.Select(s => s.Cookie).Distinct().Count());
        foreach ((byte family, int port) in new[] { (SockDiag.AfInet, v4Port), (SockDiag.AfInet6, v6Port) })
        {
            List<SocketEntry> ours = [.. sockets.Where(s => s.Family == family && (s.LocalPort == port || s.RemotePort == port))];
            Assert.Equal(1, ours.Count(s => s.State == TcpState.Listen));
            Assert.Equal(2, ours.Count(s => s.State == TcpState.Established)); // the client's end and the accepted end
        }

        var perFamily = new List<SocketEntry>();
        diag.Dump(SockDiag.AfInet, SockDiag.IpProtoTcp, SockDiag.AllStates, perFamily);
        diag.Dump(SockDiag.AfInet6, SockDiag.IpProtoTcp, SockDiag.AllStates, perFamily);
        Assert.Subset(perFamily.Select(s => s.Cookie).ToHashSet(), sockets.Where(s => s.LocalPort == v4Port || s.LocalPort == v6Port).Select(s => s.Cookie).ToHashSet());
    }

    [SkippableFact]
    public async Task The_destroy_feed_reports_both_ends_of_a_connection_that_lived_between_two_dumps()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        using SocketDestroyFeed feed = SocketDestroyFeed.TryOpen() ?? throw new Xunit.Sdk.XunitException("the kernel refused the sock_diag destroy groups");
        int port;
        using (var listener = new TcpListener(IPAddress.IPv6Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using (var client = new TcpClient(AddressFamily.InterNetworkV6))
            {
                client.Connect(IPAddress.IPv6Loopback, port);
                using TcpClient accepted = listener.AcceptTcpClient();
            }
        }

        var destroyed = new List<SocketEntry>();
        for (int i = 0; i < 50 && destroyed.Count(s => s.LocalPort == port || s.RemotePort == port) < 3; i++)
        {
            await Task.Delay(100); // the kernel broadcasts from a work queue
            feed.Drain(destroyed);
        }

        List<SocketEntry> ours = [.. destroyed.Where(s => s.LocalPort == port || s.RemotePort == port)];
        Assert.All(ours, s => Assert.Equal(SockDiag.AfInet6, s.Family));
        Assert.Single(ours, s => s.RemotePort == port); // the client's end
        Assert.Single(ours, s => s.LocalPort == port && s.RemotePort != 0); // the accepted end
        Assert.Single(ours, s => s.LocalPort == port && s.RemotePort == 0); // the listener
        Assert.Equal(0, feed.Overruns);
    }
}
