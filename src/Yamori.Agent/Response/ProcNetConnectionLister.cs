using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Runtime.Versioning;

namespace Yamori.Agent.Response;

/// <summary>
/// Lists TCP and UDP sockets from /proc/net/{tcp,tcp6,udp,udp6}, with the owning process found by
/// walking /proc/*/fd for "socket:[inode]". On demand only (a live query), so the walk is affordable.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ProcNetConnectionLister : IConnectionLister
{
    private static readonly string[] TcpStates =
    [
        "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    ];

    public IEnumerable<ConnectionRow> List()
    {
        Dictionary<ulong, int> owners = SocketOwners();
        foreach (string protocol in (string[])["tcp", "tcp6", "udp", "udp6"])
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines("/proc/net/" + protocol);
            }
            catch (IOException)
            {
                continue; // e.g. IPv6 disabled
            }

            for (int i = 1; i < lines.Length; i++)
            {
                if (Parse(protocol, lines[i], owners) is { } row)
                {
                    yield return row;
                }
            }
        }
    }

    private static ConnectionRow? Parse(string protocol, string line, Dictionary<ulong, int> owners)
    {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
        string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 10
            || !TryEndpoint(f[1], out IPAddress? local, out int localPort)
            || !TryEndpoint(f[2], out IPAddress? remote, out int remotePort)
            || !int.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int st)
            || !uint.TryParse(f[7], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
            || !ulong.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
        {
            return null;
        }

        string state = protocol.StartsWith("tcp", StringComparison.Ordinal)
            ? (st < TcpStates.Length ? TcpStates[st] : "UNKNOWN")
            : (st == 1 ? "CONNECTED" : "UNCONN");
        return new ConnectionRow(protocol, local.ToString(), localPort, remote.ToString(), remotePort, state, uid, inode,
            inode != 0 && owners.TryGetValue(inode, out int pid) ? pid : null);
    }

    /// <summary>"0100007F:1F90" (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) order.</summary>
    private static bool TryEndpoint(string text, [NotNullWhen(true)] out IPAddress? address, out int port)
    {
        address = null;
        port = 0;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out port))
        {
            return false;
        }

        ReadOnlySpan<char> hex = text.AsSpan(0, colon);
        if (hex.Length is not (8 or 32))
        {
            return false;
        }

        byte[] bytes = new byte[hex.Length / 2];
        for (int word = 0; word < bytes.Length / 4; word++)
        {
            if (!uint.TryParse(hex.Slice(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint value))
            {
                return false;
            }

            // The kernel prints each 32-bit word of the network-order address as a host-order integer.
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        address = new IPAddress(bytes);
        return true;
    }

    private static Dictionary<ulong, int> SocketOwners()
    {
        var owners = new Dictionary<ulong, int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                foreach (string fd in Directory.EnumerateFileSystemEntries(dir + "/fd"))
                {
                    string? target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && ulong.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
                    {
                        owners.TryAdd(inode, pid);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process exited or is not ours to read; its sockets are listed without an owner.
            }
        }

        return owners;
    }
}
