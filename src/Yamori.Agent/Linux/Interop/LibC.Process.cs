using System.Runtime.InteropServices;

namespace Yamori.Agent.Linux.Interop;

/// <summary>
/// Calls the response actions need: pidfds (kill exactly the process that was checked, even if its
/// pid is reused meanwhile), <c>openat2</c> (open a file without following any symlink) and
/// <c>statx</c> on an open descriptor (check what was opened, not what the path names now).
/// </summary>
internal static partial class LibC
{
    // Syscall numbers from 424 on are shared by every architecture (the unified table), so these hold
    // for x86-64 and arm64 alike.
    private const long RspSysPidfdSendSignal = 424;
    private const long RspSysPidfdOpen = 434;
    private const long RspSysOpenat2 = 437;

    /// <summary>Constants of the response actions' calls, nested so other partials' errno names cannot clash.</summary>
    internal static class Rsp
    {
        internal const int SIGKILL = 9;
        internal const int ENOENT = 2;
        internal const int ESRCH = 3;
        internal const int EPERM = 1;
        internal const int ELOOP = 40;
        internal const int ENOSYS = 38;
        internal const int EXDEV = 18;
        internal const int EINVAL = 22;

        internal const int AT_FDCWD = -100;
        internal const int AT_EMPTY_PATH = 0x1000;
        internal const ulong O_RDONLY = 0;
        internal const ulong O_NONBLOCK = 0x800;
        internal const ulong O_CLOEXEC = 0x80000;

        // These two differ between architectures (asm-generic vs x86).
        private static readonly bool Arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        internal static readonly ulong O_NOFOLLOW = Arm64 ? 0x8000UL : 0x20000UL;
        internal static readonly ulong O_DIRECTORY = Arm64 ? 0x4000UL : 0x10000UL;
        internal const ulong RESOLVE_NO_MAGICLINKS = 0x02;
        internal const ulong RESOLVE_NO_SYMLINKS = 0x04;

        internal const uint STATX_TYPE = 0x1;
        internal const uint STATX_SIZE = 0x200;
        internal const ushort S_IFMT = 0xF000;
        internal const ushort S_IFREG = 0x8000;

        internal const short POLLIN = 0x1;
    }

    // The variadic syscall(2) takes integer-class arguments in registers on x86-64 and arm64 Linux,
    // so a fixed-arity declaration is ABI-compatible there.
    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    private static partial long RspSyscall3(long number, long a1, long a2, long a3);

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    private static partial long RspSyscall4(long number, long a1, long a2, long a3, long a4);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int RspPoll(RspPollFd* fds, nuint nfds, int timeout);

    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int RspStatx(int dirfd, string path, int flags, uint mask, RspStatxBuffer* buffer);

    /// <summary>A pidfd for <paramref name="pid"/>; invalid with errno set when it fails.</summary>
    internal static SafeFd PidfdOpen(int pid)
    {
        long fd = RspSyscall3(RspSysPidfdOpen, pid, 0, 0);
        return new SafeFd(fd < 0 ? -1 : (int)fd);
    }

    /// <summary>0 on success, else -1 with errno set.</summary>
    internal static int PidfdSendSignal(SafeFd pidfd, int signal)
    {
        bool added = false;
        try
        {
            pidfd.DangerousAddRef(ref added);
            return (int)RspSyscall4(RspSysPidfdSendSignal, pidfd.Fd, signal, 0, 0);
        }
        finally
        {
            if (added)
            {
                pidfd.DangerousRelease();
            }
        }
    }

    /// <summary>Waits until the pidfd's process has exited (the pidfd turns readable). False on timeout.</summary>
    internal static unsafe bool PidfdWaitExit(SafeFd pidfd, int timeoutMs)
    {
        bool added = false;
        try
        {
            pidfd.DangerousAddRef(ref added);
            var pfd = new RspPollFd { Fd = pidfd.Fd, Events = Rsp.POLLIN };
            while (true)
            {
                int n = RspPoll(&pfd, 1, timeoutMs);
                if (n > 0)
                {
                    return true;
                }

                if (n == 0)
                {
                    return false;
                }

                if (Marshal.GetLastPInvokeError() != EINTR)
                {
                    return false;
                }
            }
        }
        finally
        {
            if (added)
            {
                pidfd.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> read-only refusing a symlink in any component (ELOOP/EXDEV) and
    /// without blocking on a FIFO. Where openat2 is missing (kernels before 5.6) or filtered by a
    /// seccomp profile, walks the path one component at a time with <c>O_NOFOLLOW</c> instead, which
    /// refuses symlinks just the same. Invalid with errno set when it fails.
    /// </summary>
    internal static unsafe SafeFd OpenNoFollow(string path)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        var how = new RspOpenHow
        {
            Flags = Rsp.O_RDONLY | Rsp.O_NONBLOCK | Rsp.O_NOFOLLOW | Rsp.O_CLOEXEC,
            Mode = 0,
            Resolve = Rsp.RESOLVE_NO_SYMLINKS | Rsp.RESOLVE_NO_MAGICLINKS,
        };
        fixed (byte* p = bytes)
        {
            long fd = RspSyscall4(RspSysOpenat2, Rsp.AT_FDCWD, (long)p, (long)&how, sizeof(RspOpenHow));
            if (fd < 0 && Marshal.GetLastPInvokeError() is Rsp.ENOSYS or Rsp.EPERM)
            {
                return OpenNoFollowByWalk(path);
            }

            return new SafeFd(fd < 0 ? -1 : (int)fd);
        }
    }

    /// <summary>
    /// The component walk behind <see cref="OpenNoFollow"/>: every directory opened with
    /// <c>O_NOFOLLOW</c> relative to the previous one, so no symlink anywhere is followed. The path
    /// must be absolute and already normalised (no "." or ".." components).
    /// </summary>
    internal static unsafe SafeFd OpenNoFollowByWalk(string path)
    {
        const ulong OPath = 0x200000; // O_PATH on x86_64 and arm64: a handle for walking, no read access needed
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int dir;
        fixed (byte* root = "/\0"u8)
        {
            dir = RspOpenat(Rsp.AT_FDCWD, root, (int)(OPath | Rsp.O_DIRECTORY | Rsp.O_CLOEXEC));
        }

        for (int i = 0; dir >= 0 && i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            ulong flags = last
                ? Rsp.O_RDONLY | Rsp.O_NONBLOCK | Rsp.O_NOFOLLOW | Rsp.O_CLOEXEC
                : OPath | Rsp.O_DIRECTORY | Rsp.O_NOFOLLOW | Rsp.O_CLOEXEC;
            byte[] name = System.Text.Encoding.UTF8.GetBytes(parts[i] + "\0");
            int next;
            fixed (byte* n = name)
            {
                next = RspOpenat(dir, n, (int)flags);
            }

            int error = Marshal.GetLastPInvokeError();
            _ = close(dir);
            Marshal.SetLastPInvokeError(error);
            dir = next;
            if (last)
            {
                return new SafeFd(next < 0 ? -1 : next);
            }
        }

        if (dir >= 0)
        {
            // "/" itself: a directory, which the caller refuses anyway.
            _ = close(dir);
        }

        return new SafeFd(-1);
    }

    [LibraryImport(Lib, EntryPoint = "openat", SetLastError = true)]
    private static unsafe partial int RspOpenat(int dirfd, byte* path, int flags);

    [LibraryImport(Lib, EntryPoint = "fsync", SetLastError = true)]
    private static partial int RspFsync(int fd);

    /// <summary>
    /// Makes a rename or unlink in <paramref name="directory"/> durable: without it a power loss can
    /// bring back the old directory entry (a released host isolated again, or the reverse).
    /// </summary>
    internal static unsafe void FsyncDirectory(string directory)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(directory + "\0");
        fixed (byte* p = bytes)
        {
            int fd = RspOpenat(Rsp.AT_FDCWD, p, (int)(Rsp.O_RDONLY | Rsp.O_CLOEXEC | Rsp.O_DIRECTORY));
            if (fd < 0)
            {
                return;
            }

            _ = RspFsync(fd);
            _ = close(fd);
        }
    }

    /// <summary>Type and size of an open descriptor. False with errno set when statx fails.</summary>
    internal static unsafe bool FdStat(SafeFd fd, out ushort mode, out ulong size)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            RspStatxBuffer buffer;
            int rc = RspStatx(fd.Fd, string.Empty, Rsp.AT_EMPTY_PATH, Rsp.STATX_TYPE | Rsp.STATX_SIZE, &buffer);
            mode = rc == 0 ? buffer.Mode : (ushort)0;
            size = rc == 0 ? buffer.Size : 0;
            return rc == 0;
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RspPollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RspOpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>The head of <c>struct statx</c> (256 bytes in all; the kernel fills the whole size).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct RspStatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(40)]
        public ulong Size;
    }
}
