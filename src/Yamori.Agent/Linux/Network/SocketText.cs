using System.Net;

namespace Yamori.Agent.Linux.Network;

/// <summary>Text forms of sock_diag values for events and live queries.</summary>
internal static class SocketText
{
    private static readonly string[] TcpStates =
    [
        "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    ];

    /// <summary>
    /// The address as rules expect it: IPv4 dotted, IPv6 compressed, and an IPv4-mapped IPv6 address
    /// (a v4 peer on a dual-stack socket) as plain IPv4, so one CIDR or literal matches both.
    /// </summary>
    public static IPAddress Address(byte family, UInt128 address)
    {
        if (family == SockDiag.AfInet)
        {
            return new IPAddress(NetworkOrder((uint)(address >> 96)));
        }

        if ((address >> 32) == 0xFFFF)
        {
            return new IPAddress(NetworkOrder((uint)address));
        }

        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    public static bool IsIpv6(byte family, UInt128 address) =>
        family == SockDiag.AfInet6 && (address >> 32) != 0xFFFF;

    public static bool IsWildcard(UInt128 address) => address == UInt128.Zero;

    public static string Protocol(byte protocol) => protocol == SockDiag.IpProtoTcp ? "tcp" : "udp";

    /// <summary>TCP state name as <c>ss</c> prints it; UDP sockets are ESTABLISHED (connected) or UNCONN.</summary>
    public static string State(byte protocol, byte state) =>
        protocol == SockDiag.IpProtoUdp
            ? state == 1 ? "ESTABLISHED" : "UNCONN"
            : state < TcpStates.Length ? TcpStates[state] : state.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // IPAddress(long) takes the address in network byte order as stored in memory.
    private static long NetworkOrder(uint hostOrderBigEndianValue) =>
        (uint)IPAddress.HostToNetworkOrder((int)hostOrderBigEndianValue);
}
