using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Yamori.Agent.Linux.Interop;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Linux.Network;

/// <summary>
/// One socket from a sock_diag dump, kept as plain values (addresses as 128-bit big-endian
/// integers) so a dump of thousands of sockets fills a reused list without allocating.
/// </summary>
internal readonly record struct SocketEntry(
    byte Family,
    byte Protocol,
    byte State,
    UInt128 LocalAddress,
    ushort LocalPort,
    UInt128 RemoteAddress,
    ushort RemotePort,
    ulong Cookie,
    uint Inode,
    uint Uid);

/// <summary>
/// The kernel's socket table through NETLINK_SOCK_DIAG (what <c>ss</c> uses): one
/// SOCK_DIAG_BY_FAMILY dump per (family, protocol). Layouts from include/uapi/linux/inet_diag.h:
/// request nlmsghdr (16) | inet_diag_req_v2 (56); reply nlmsghdr | inet_diag_msg (72) | attributes.
/// <para>
/// TCP of both families is dumped with one legacy TCPDIAG_GETSOCK request (inet_diag_req, 60
/// bytes), which the kernel answers for IPv4 and IPv6 in a single walk of its established-socket
/// hash: that walk visits every bucket and every socket (TIME_WAIT included) whatever the state
/// filter, and was most of the network collector's cost when done twice per poll
/// (docs/performance.md, agent-steady). Kernels without the legacy request get two dumps.
/// </para>
/// </summary>
internal sealed class SockDiag : IDisposable
{
    public const byte AfInet = 2;
    public const byte AfInet6 = 10;
    public const byte IpProtoTcp = 6;
    public const byte IpProtoUdp = 17;
    public const uint AllStates = 0xFFFFFFFF;

    private const ushort SockDiagByFamily = 20;
    private const ushort TcpDiagGetSock = 18;
    private const int RequestLength = 16 + 56;
    private const int LegacyRequestLength = 16 + 60;

    private readonly SafeFd _fd;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private uint _sequence;
    private bool _legacyRefused;

    public SockDiag()
    {
        _fd = LibC.OpenNetlink(LibC.NETLINK_SOCK_DIAG);
        try
        {
            LibC.BindNetlink(_fd, 0);
            LibC.SetReceiveTimeout(_fd, TimeSpan.FromSeconds(5));
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
    }

    /// <summary>Whether this kernel refused the single legacy TCP dump (TCP then costs two dumps per poll).</summary>
    public bool LegacyTcpDumpRefused => _legacyRefused;

    /// <summary>Appends every IPv4 and IPv6 TCP socket in <paramref name="states"/> (bit per TCP state).</summary>
    public void DumpTcp(uint states, List<SocketEntry> into)
    {
        if (!_legacyRefused)
        {
            int before = into.Count;
            try
            {
                Dump(AfInet, IpProtoTcp, states, into, legacy: true);
                return;
            }
            catch (CollectorUnavailableException)
            {
                // Not answered by this kernel (the legacy request is optional): two dumps from now on.
                into.RemoveRange(before, into.Count - before);
                _legacyRefused = true;
            }
        }

        Dump(AfInet, IpProtoTcp, states, into);
        Dump(AfInet6, IpProtoTcp, states, into);
    }

    /// <summary>Appends every socket of <paramref name="family"/>/<paramref name="protocol"/> in <paramref name="states"/> (bit per TCP state).</summary>
    public void Dump(byte family, byte protocol, uint states, List<SocketEntry> into) => Dump(family, protocol, states, into, legacy: false);

    private void Dump(byte family, byte protocol, uint states, List<SocketEntry> into, bool legacy)
    {
        uint sequence = ++_sequence;
        if (legacy)
        {
            SendLegacyTcpRequest(states, sequence);
        }
        else
        {
            SendRequest(family, protocol, states, sequence);
        }

        ushort replyType = legacy ? TcpDiagGetSock : SockDiagByFamily;
        while (true)
        {
            int n = Receive();
            int at = 0;
            while (at + 16 <= n)
            {
                ReadOnlySpan<byte> message = _buffer.AsSpan(at, n - at);
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(message);
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
                uint seq = BinaryPrimitives.ReadUInt32LittleEndian(message[8..]);
                if (length < 16 || length > message.Length)
                {
                    throw new InvalidDataException($"sock_diag: malformed netlink message length {length}");
                }

                at += (length + 3) & ~3;
                if (seq != sequence)
                {
                    // The tail of an earlier dump that timed out; not ours.
                    continue;
                }

                switch (type)
                {
                    case LibC.NLMSG_DONE:
                        return;
                    case LibC.NLMSG_ERROR:
                    {
                        if (message.Length < 20)
                        {
                            throw new InvalidDataException("sock_diag returned a truncated error message");
                        }

                        int errno = -BinaryPrimitives.ReadInt32LittleEndian(message[16..]);
                        if (errno == 0)
                        {
                            continue;
                        }

                        throw LibC.Failure($"sock_diag dump (family {family}, protocol {protocol})", errno);
                    }

                    case ushort t when t == replyType && length >= 16 + 72:
                        into.Add(Parse(message[16..], protocol));
                        break;
                    default:
                        break;
                }
            }
        }
    }

    public void Dispose() => _fd.Dispose();

    internal static SocketEntry Parse(ReadOnlySpan<byte> msg, byte protocol)
    {
        // inet_diag_msg: family u8, state u8, timer u8, retrans u8, id { sport be16, dport be16,
        // src be32[4], dst be32[4], if u32, cookie u32[2] }, expires, rqueue, wqueue, uid, inode.
        byte family = msg[0];
        return new SocketEntry(
            Family: family,
            Protocol: protocol,
            State: msg[1],
            LocalAddress: BinaryPrimitives.ReadUInt128BigEndian(msg[8..]),
            LocalPort: BinaryPrimitives.ReadUInt16BigEndian(msg[4..]),
            RemoteAddress: BinaryPrimitives.ReadUInt128BigEndian(msg[24..]),
            RemotePort: BinaryPrimitives.ReadUInt16BigEndian(msg[6..]),
            Cookie: BinaryPrimitives.ReadUInt32LittleEndian(msg[44..]) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(msg[48..]) << 32),
            Inode: BinaryPrimitives.ReadUInt32LittleEndian(msg[68..]),
            Uid: BinaryPrimitives.ReadUInt32LittleEndian(msg[64..]));
    }

    private void SendRequest(byte family, byte protocol, uint states, uint sequence)
    {
        // inet_diag_req_v2: family u8, protocol u8, ext u8, pad u8, states u32, sockid (48).
        Span<byte> body = stackalloc byte[RequestLength - 16];
        body.Clear();
        body[0] = family;
        body[1] = protocol;
        BinaryPrimitives.WriteUInt32LittleEndian(body[4..], states);
        Send(SockDiagByFamily, sequence, body);
    }

    private void SendLegacyTcpRequest(uint states, uint sequence)
    {
        // inet_diag_req: family, src_len, dst_len, ext (u8 each), sockid (48), states u32, dbs u32.
        // The family is ignored for this request: the kernel dumps both (AF_UNSPEC internally).
        Span<byte> body = stackalloc byte[LegacyRequestLength - 16];
        body.Clear();
        body[0] = AfInet;
        BinaryPrimitives.WriteUInt32LittleEndian(body[52..], states);
        Send(TcpDiagGetSock, sequence, body);
    }

    /// <summary>One dump request: nlmsghdr (length, type, flags, sequence, port 0) then the body.</summary>
    private unsafe void Send(ushort type, uint sequence, ReadOnlySpan<byte> body)
    {
        int length = 16 + body.Length;
        byte* request = stackalloc byte[length];
        var span = new Span<byte>(request, length);
        span.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], LibC.NLM_F_REQUEST | LibC.NLM_F_DUMP);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], sequence);
        body.CopyTo(span[16..]);
        if (LibC.send(_fd.Fd, request, length, 0) != length)
        {
            throw LibC.Failure(type == TcpDiagGetSock ? "send(TCPDIAG_GETSOCK)" : "send(SOCK_DIAG_BY_FAMILY)", Marshal.GetLastPInvokeError());
        }
    }

    private unsafe int Receive()
    {
        fixed (byte* p = _buffer)
        {
            while (true)
            {
                nint n = LibC.recv(_fd.Fd, p, _buffer.Length, 0);
                if (n > 0)
                {
                    return (int)n;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno == LibC.EINTR)
                {
                    continue;
                }

                throw LibC.Failure("recv(NETLINK_SOCK_DIAG)", n == 0 ? 0 : errno);
            }
        }
    }
}
