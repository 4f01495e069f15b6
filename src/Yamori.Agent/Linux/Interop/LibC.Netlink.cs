using System.Runtime.InteropServices;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Linux.Interop;

/// <summary>Netlink sockets (process connector, sock_diag): .NET's <c>Socket</c> refuses <c>AF_NETLINK</c>.</summary>
internal static partial class LibC
{
    internal const int AF_NETLINK = 16;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int NETLINK_SOCK_DIAG = 4;
    internal const int NETLINK_CONNECTOR = 11;

    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVBUF = 8;
    internal const int SO_RCVTIMEO = 20;
    internal const int SO_RCVBUFFORCE = 33;

    internal const int NLMSG_ERROR = 2;
    internal const int NLMSG_DONE = 3;
    internal const ushort NLM_F_REQUEST = 0x1;
    internal const ushort NLM_F_DUMP = 0x300;

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial int bind(int fd, void* address, int addressLength);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial nint send(int fd, void* buffer, nint length, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial nint recv(int fd, void* buffer, nint length, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial int setsockopt(int fd, int level, int name, void* value, int valueLength);

    /// <summary>Opens an <c>AF_NETLINK</c> datagram socket, or throws with errno named.</summary>
    internal static SafeFd OpenNetlink(int protocol)
    {
        int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw Failure($"socket(AF_NETLINK, {protocol})", errno);
        }

        return new SafeFd(fd);
    }

    /// <summary>Binds a netlink socket to the given multicast groups (port id chosen by the kernel).</summary>
    internal static unsafe void BindNetlink(SafeFd fd, uint groups)
    {
        // struct sockaddr_nl { u16 nl_family; u16 pad; u32 nl_pid; u32 nl_groups; }
        byte* address = stackalloc byte[12];
        new Span<byte>(address, 12).Clear();
        *(ushort*)address = AF_NETLINK;
        *(uint*)(address + 8) = groups;
        if (bind(fd.Fd, address, 12) != 0)
        {
            throw Failure("bind(AF_NETLINK)", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>A receive timeout so a blocking receive loop can notice cancellation.</summary>
    internal static unsafe void SetReceiveTimeout(SafeFd fd, TimeSpan timeout)
    {
        long* tv = stackalloc long[2];
        tv[0] = (long)timeout.TotalSeconds;
        tv[1] = timeout.Microseconds + (timeout.Milliseconds * 1000L);
        if (setsockopt(fd.Fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16) != 0)
        {
            throw Failure("setsockopt(SO_RCVTIMEO)", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>
    /// Sets the receive buffer: SO_RCVBUFFORCE (root) lifts it above net.core.rmem_max; without the
    /// privilege the capped SO_RCVBUF is still better than the default. Returns whether force worked.
    /// </summary>
    internal static unsafe bool SetReceiveBuffer(SafeFd fd, int bytes)
    {
        if (setsockopt(fd.Fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(int)) == 0)
        {
            return true;
        }

        _ = setsockopt(fd.Fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(int));
        return false;
    }

    /// <summary>A libc call failed in a way that stops the collector; the message names the call and errno.</summary>
    internal static CollectorUnavailableException Failure(string call, int errno) =>
        new($"{call} failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
}
