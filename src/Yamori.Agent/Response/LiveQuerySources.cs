namespace Yamori.Agent.Response;

/// <summary>One running process, as a live query reports it.</summary>
/// <param name="StartTimeTicks">Field 22 of /proc/&lt;pid&gt;/stat (clock ticks since boot); a kill can pass it back as <c>start_time</c>.</param>
public sealed record ProcessRow(int Pid, int ParentPid, string? Image, string? CommandLine, uint? Uid, string? User, ulong StartTimeTicks);

/// <summary>One open socket, as a live query reports it.</summary>
/// <param name="Protocol">"tcp" or "udp".</param>
/// <param name="State">The TCP state ("ESTABLISHED", "LISTEN", …); "UNCONN"/"ESTABLISHED" for UDP.</param>
/// <param name="Pid">The owning process, when one holds the socket open (null when none could be found).</param>
public sealed record ConnectionRow(string Protocol, string LocalAddress, int LocalPort, string RemoteAddress, int RemotePort, string State, int? Pid, string? Image);

/// <summary>The processes running now; <see cref="QueryHandler"/>'s "processes".</summary>
public interface IProcessLister
{
    IEnumerable<ProcessRow> List();
}

/// <summary>The sockets open now; <see cref="QueryHandler"/>'s "connections".</summary>
public interface IConnectionLister
{
    IEnumerable<ConnectionRow> List();
}

/// <summary>The socket table from the network collector's sock_diag dump (IPv4 and IPv6), with owners.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SocketConnectionLister : IConnectionLister
{
    public IEnumerable<ConnectionRow> List()
    {
        foreach (Linux.Network.ConnectionInfo c in Linux.Network.ConnectionSnapshot.List())
        {
            yield return new ConnectionRow(c.Protocol, c.LocalAddress, c.LocalPort, c.RemoteAddress, c.RemotePort, c.State, c.ProcessId, c.Image);
        }
    }
}
