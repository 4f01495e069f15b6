using System.Runtime.InteropServices;

namespace Yamori.Agent.Linux.Interop;

/// <summary>
/// The few libc calls the Linux collectors and actions share. .NET's <c>Socket</c> refuses
/// <c>AF_NETLINK</c> and has no fanotify, so these go through P/Invoke; each area adds its own
/// calls in a partial file next to this one (<c>LibC.Netlink.cs</c>, <c>LibC.Fanotify.cs</c>, …).
/// </summary>
internal static partial class LibC
{
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial nint write(int fd, byte* buffer, nint count);

    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000;

    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int ENOBUFS = 105;
}

/// <summary>A file descriptor from a raw syscall, closed exactly once.</summary>
internal sealed class SafeFd : SafeHandle
{
    public SafeFd(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public SafeFd()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == -1;

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}
