using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Yamori.Agent.Linux.Interop;

/// <summary>
/// The audit netlink (NETLINK_AUDIT, include/uapi/linux/audit.h): request/acknowledge exchanges on a
/// control socket. Records themselves are read from the READLOG multicast group by the process
/// collector's audit feed.
/// </summary>
internal static partial class LibC
{
    internal const int NETLINK_AUDIT = 9;

    /// <summary>Multicast group of read-only log listeners (kernel 3.16+, CAP_AUDIT_READ); bind mask 1 &lt;&lt; (1 - 1).</summary>
    internal const uint AUDIT_NLGRP_READLOG = 1;

    internal const ushort AUDIT_GET = 1000;
    internal const ushort AUDIT_SET = 1001;
    internal const ushort AUDIT_ADD_RULE = 1011;
    internal const ushort AUDIT_DEL_RULE = 1012;

    internal const ushort NLM_F_ACK = 0x4;

    internal const int EPERM = 1;
    internal const int EEXIST = 17;
    internal const int EINVAL = 22;

    /// <summary>
    /// Sends one audit request (nlmsghdr + payload) and reads until the kernel's reply: the first
    /// message of <paramref name="replyType"/> is copied into <paramref name="reply"/> (its payload),
    /// or, for a request sent with an ACK, the NLMSG_ERROR status. Returns 0 or the negative errno
    /// the kernel answered; throws when the socket itself fails.
    /// </summary>
    internal static unsafe int AuditRequest(SafeFd fd, ushort type, ReadOnlySpan<byte> payload, ushort replyType, Span<byte> reply)
    {
        int length = NlmsgHeaderLength + payload.Length;
        byte[] message = new byte[(length + 3) & ~3];
        Span<byte> m = message;
        BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(m[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(m[6..], (ushort)(NLM_F_REQUEST | (replyType == 0 ? NLM_F_ACK : 0)));
        BinaryPrimitives.WriteUInt32LittleEndian(m[8..], 1);
        payload.CopyTo(m[NlmsgHeaderLength..]);
        fixed (byte* p = message)
        {
            if (send(fd.Fd, p, length, 0) != length)
            {
                throw Failure($"send(NETLINK_AUDIT type {type})", Marshal.GetLastPInvokeError());
            }
        }

        byte[] buffer = new byte[16384];
        while (true)
        {
            nint n;
            fixed (byte* p = buffer)
            {
                n = recv(fd.Fd, p, buffer.Length, 0);
            }

            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                {
                    continue;
                }

                throw Failure($"recv(NETLINK_AUDIT reply to {type})", errno);
            }

            ReadOnlySpan<byte> data = buffer.AsSpan(0, (int)n);
            while (data.Length >= NlmsgHeaderLength)
            {
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
                ushort got = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
                if (len < NlmsgHeaderLength || len > data.Length)
                {
                    break;
                }

                ReadOnlySpan<byte> body = data[NlmsgHeaderLength..len];
                if (got == NLMSG_ERROR && body.Length >= 4)
                {
                    int error = BinaryPrimitives.ReadInt32LittleEndian(body);
                    if (error != 0 || replyType == 0)
                    {
                        return error;
                    }
                }
                else if (got == replyType && replyType != 0)
                {
                    body[..Math.Min(body.Length, reply.Length)].CopyTo(reply);
                    return 0;
                }

                data = data[Math.Min(data.Length, (len + 3) & ~3)..];
            }
        }
    }

    private const int NlmsgHeaderLength = 16;
}
