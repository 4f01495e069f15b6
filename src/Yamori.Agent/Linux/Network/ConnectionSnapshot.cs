using Yamori.Agent.Linux.Processes;

namespace Yamori.Agent.Linux.Network;

/// <summary>One socket, for the "open connections" live query.</summary>
/// <param name="Protocol">"tcp" or "udp".</param>
/// <param name="State">As <c>ss</c> names it: LISTEN, ESTABLISHED, TIME_WAIT…; UDP is ESTABLISHED (connected) or UNCONN.</param>
/// <param name="ProcessId">Owner, or null when no process holds it (TIME_WAIT, owner gone).</param>
public sealed record ConnectionInfo(
    string Protocol,
    string LocalAddress,
    int LocalPort,
    string RemoteAddress,
    int RemotePort,
    string State,
    int? ProcessId,
    string? Image);

/// <summary>The live socket table (IPv4 and IPv6, TCP and UDP) from sock_diag, with owners from /proc.</summary>
public static class ConnectionSnapshot
{
    public static IReadOnlyList<ConnectionInfo> List()
    {
        var sockets = new List<SocketEntry>();
        using (var diag = new SockDiag())
        {
            ConnectionTracker.DumpAll(diag, sockets);
        }

        var owners = new SocketOwners(TimeSpan.Zero);
        owners.Refresh();
        var result = new List<ConnectionInfo>(sockets.Count);
        foreach (SocketEntry s in sockets)
        {
            int? pid = s.Inode != 0 && owners.TryGetOwner(s.Inode, out int owner) ? owner : null;
            result.Add(new ConnectionInfo(
                SocketText.Protocol(s.Protocol),
                SocketText.Address(s.Family, s.LocalAddress).ToString(),
                s.LocalPort,
                SocketText.Address(s.Family, s.RemoteAddress).ToString(),
                s.RemotePort,
                SocketText.State(s.Protocol, s.State),
                pid,
                pid is int p ? owners.ImageOf(p) : null));
        }

        return result;
    }
}
