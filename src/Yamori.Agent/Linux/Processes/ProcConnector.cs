using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// The kernel's netlink process connector (NETLINK_CONNECTOR, CN_IDX_PROC): the kernel multicasts
/// one datagram per fork, exec, exit, comm change… to every subscribed socket. Needs
/// CAP_NET_ADMIN. Layout (include/uapi/linux/cn_proc.h): nlmsghdr (16) | cn_msg (20) |
/// proc_event { what u32, cpu u32, timestamp_ns u64, event_data }.
/// </summary>
internal sealed class ProcConnector : IDisposable
{
    private const uint CnIdxProc = 1;
    private const uint CnValProc = 1;
    private const uint ProcCnMcastListen = 1;
    private const uint ProcCnMcastIgnore = 2;

    internal const int NlmsgHeader = 16;
    internal const int CnMsgHeader = 20;

    /// <summary>Offset of proc_event in a message.</summary>
    internal const int EventOffset = NlmsgHeader + CnMsgHeader;

    /// <summary>Offset of event_data in a message.</summary>
    internal const int DataOffset = EventOffset + 16;

    private readonly SafeFd _fd;

    public ProcConnector(int receiveBufferBytes)
    {
        _fd = LibC.OpenNetlink(LibC.NETLINK_CONNECTOR);
        try
        {
            ReceiveBufferForced = LibC.SetReceiveBuffer(_fd, receiveBufferBytes);
            LibC.BindNetlink(_fd, CnIdxProc);
            LibC.SetReceiveTimeout(_fd, TimeSpan.FromMilliseconds(250));
            Control(ProcCnMcastListen);
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
    }

    /// <summary>Whether SO_RCVBUFFORCE took (root); otherwise the buffer is capped by rmem_max.</summary>
    public bool ReceiveBufferForced { get; }

    /// <summary>
    /// Receives one datagram. Returns its length, 0 on timeout (time to check cancellation), or -1
    /// when the socket overflowed (ENOBUFS): the kernel dropped events we will never see.
    /// </summary>
    public unsafe int Receive(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = LibC.recv(_fd.Fd, p, buffer.Length, 0);
                if (n >= 0)
                {
                    return (int)n;
                }

                int errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case LibC.EINTR:
                        continue;
                    case LibC.EAGAIN:
                        return 0;
                    case LibC.ENOBUFS:
                        return -1;
                    default:
                        throw LibC.Failure("recv(NETLINK_CONNECTOR)", errno);
                }
            }
        }
    }

    /// <summary>Whether a datagram's cn_msg id is {CN_IDX_PROC, CN_VAL_PROC}.</summary>
    public static bool IsProcEvent(ReadOnlySpan<byte> message) =>
        BinaryPrimitives.ReadUInt32LittleEndian(message[NlmsgHeader..]) == CnIdxProc
        && BinaryPrimitives.ReadUInt32LittleEndian(message[(NlmsgHeader + 4)..]) == CnValProc;

    public void Dispose()
    {
        if (!_fd.IsClosed)
        {
            try
            {
                Control(ProcCnMcastIgnore);
            }
            catch (Exception ex) when (ex is Telemetry.CollectorUnavailableException)
            {
                // Closing the socket unsubscribes anyway.
            }

            _fd.Dispose();
        }
    }

    private unsafe void Control(uint op)
    {
        const int Length = NlmsgHeader + CnMsgHeader + 4;
        byte* msg = stackalloc byte[Length];
        var span = new Span<byte>(msg, Length);
        span.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], LibC.NLMSG_DONE);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)Environment.ProcessId);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], CnIdxProc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], CnValProc);
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(span[36..], op);
        if (LibC.send(_fd.Fd, msg, Length, 0) != Length)
        {
            throw LibC.Failure("send(PROC_CN_MCAST)", Marshal.GetLastPInvokeError());
        }
    }
}

/// <summary>proc_event.what values the collector handles.</summary>
internal static class ProcEventKind
{
    public const uint Fork = 0x1;
    public const uint Exec = 0x2;
    public const uint Comm = 0x200;
    public const uint Exit = 0x80000000;
}
