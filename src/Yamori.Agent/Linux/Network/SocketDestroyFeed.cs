using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Yamori.Agent.Linux.Interop;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Linux.Network;

/// <summary>
/// Every TCP socket the kernel frees, IPv4 and IPv6, from sock_diag's destroy multicast groups
/// (SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET6_TCP_DESTROY; Linux 4.9+, CAP_NET_ADMIN). A connection
/// that opened and closed between two dumps is seen here when it ends, with its addresses, ports,
/// uid and cookie, which is what lets the tracker stop dumping TIME_WAIT remnants. The message is
/// the dump's inet_diag_msg; the inode is 0 by then (the socket has left its file), so only an
/// accepted connection can still be attributed, through its listener.
/// </summary>
internal sealed class SocketDestroyFeed : IDisposable
{
    // Netlink multicast groups are numbered from 1; bind() takes them as bit (group - 1).
    private const uint TcpDestroyGroups = (1u << (1 - 1)) | (1u << (3 - 1));
    private const ushort SockDiagByFamily = 20;
    private const int MsgDontWait = 0x40;

    private readonly SafeFd _fd;
    private readonly byte[] _buffer = new byte[64 * 1024];

    public SocketDestroyFeed(int receiveBufferBytes = 4 << 20)
    {
        _fd = LibC.OpenNetlink(LibC.NETLINK_SOCK_DIAG);
        try
        {
            LibC.BindNetlink(_fd, TcpDestroyGroups);
            _ = LibC.SetReceiveBuffer(_fd, receiveBufferBytes);
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
    }

    /// <summary>Times the socket's buffer overflowed (ENOBUFS): destroyed sockets were lost, and their connections may go unreported.</summary>
    public long Overruns { get; private set; }

    /// <summary>Appends the sockets destroyed since the last call (at most <paramref name="maxDatagrams"/> reads); never blocks.</summary>
    /// <remarks>
    /// The kernel sends one datagram per freed socket; the bound (65,000 a second at 250 ms polls)
    /// keeps a connection storm from holding the poll here, and what is left waits in the socket
    /// buffer for the next poll.
    /// </remarks>
    public unsafe void Drain(List<SocketEntry> into, int maxDatagrams = 16_384)
    {
        fixed (byte* p = _buffer)
        {
            for (int reads = 0; reads < maxDatagrams; reads++)
            {
                nint n = LibC.recv(_fd.Fd, p, _buffer.Length, MsgDontWait);
                if (n <= 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (n < 0 && errno == LibC.EINTR)
                    {
                        continue;
                    }

                    if (n < 0 && errno == LibC.ENOBUFS)
                    {
                        Overruns++;
                        continue;
                    }

                    if (n < 0 && errno != LibC.EAGAIN)
                    {
                        throw LibC.Failure("recv(sock_diag destroy multicast)", errno);
                    }

                    return;
                }

                Parse(_buffer.AsSpan(0, (int)n), into);
            }
        }
    }

    public void Dispose() => _fd.Dispose();

    private static void Parse(ReadOnlySpan<byte> datagram, List<SocketEntry> into)
    {
        int at = 0;
        while (at + 16 <= datagram.Length)
        {
            ReadOnlySpan<byte> message = datagram[at..];
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(message);
            if (length < 16 || length > message.Length)
            {
                return; // a truncated datagram: nothing after it can be trusted
            }

            if (BinaryPrimitives.ReadUInt16LittleEndian(message[4..]) == SockDiagByFamily && length >= 16 + 72)
            {
                into.Add(SockDiag.Parse(message[16..], SockDiag.IpProtoTcp));
            }

            at += (length + 3) & ~3;
        }
    }

    /// <summary>Whether this kernel offers the destroy groups to this process (it refuses the bind otherwise).</summary>
    public static SocketDestroyFeed? TryOpen()
    {
        try
        {
            return new SocketDestroyFeed();
        }
        catch (CollectorUnavailableException)
        {
            return null;
        }
    }
}
