using System.Runtime.InteropServices;

namespace Yamori.Agent.Linux.Interop;

internal static partial class LibC
{
    /// <summary>
    /// fanotify and the file-system calls the file collector needs. Nested so that generic names
    /// (open, poll, readlink) cannot collide with the same calls another area adds to <c>LibC</c>.
    /// </summary>
    internal static partial class Fanotify
    {
        internal const uint FAN_CLOEXEC = 0x1;
        internal const uint FAN_NONBLOCK = 0x2;
        internal const uint FAN_CLASS_NOTIF = 0x0;
        internal const uint FAN_UNLIMITED_MARKS = 0x20;
        internal const uint FAN_REPORT_DFID_NAME = 0x400 | 0x800;

        internal const uint FAN_MARK_ADD = 0x1;
        internal const uint FAN_MARK_ONLYDIR = 0x8;

        internal const ulong FAN_MODIFY = 0x2;
        internal const ulong FAN_MOVED_FROM = 0x40;
        internal const ulong FAN_MOVED_TO = 0x80;
        internal const ulong FAN_CREATE = 0x100;
        internal const ulong FAN_DELETE = 0x200;
        internal const ulong FAN_Q_OVERFLOW = 0x4000;
        internal const ulong FAN_EVENT_ON_CHILD = 0x0800_0000;
        internal const ulong FAN_RENAME = 0x1000_0000;
        internal const ulong FAN_ONDIR = 0x4000_0000;

        internal const byte FANOTIFY_METADATA_VERSION = 3;
        internal const byte FAN_EVENT_INFO_TYPE_DFID_NAME = 2;
        internal const byte FAN_EVENT_INFO_TYPE_DFID = 3;
        internal const byte FAN_EVENT_INFO_TYPE_OLD_DFID_NAME = 10;
        internal const byte FAN_EVENT_INFO_TYPE_NEW_DFID_NAME = 12;

        internal const int O_RDONLY = 0x0;
        internal const int O_LARGEFILE = 0x8000;
        internal const int O_DIRECTORY = 0x1_0000;
        internal const int O_NOFOLLOW = 0x2_0000;
        internal const int O_CLOEXEC = 0x8_0000;
        internal const int O_PATH = 0x20_0000;

        internal const int EFD_NONBLOCK = 0x800;
        internal const int EFD_CLOEXEC = 0x8_0000;

        internal const short POLLIN = 0x1;

        /// <summary>MAX_HANDLE_SZ: the largest <c>f_handle</c> the kernel encodes.</summary>
        internal const int MaxHandleSize = 128;

        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int ESTALE = 116;

        /// <summary>Size of <c>struct statfs</c> on x86_64/aarch64 and the offset of <c>f_fsid</c> in it.</summary>
        internal const int StatfsSize = 120;
        internal const int StatfsFsidOffset = 56;

        [LibraryImport(Lib, EntryPoint = "fanotify_init", SetLastError = true)]
        internal static partial int Init(uint flags, uint eventFileFlags);

        [LibraryImport(Lib, EntryPoint = "fanotify_mark", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Mark(int fanotifyFd, uint flags, ulong mask, int dirFd, string? path);

        [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags, int mode);

        [LibraryImport(Lib, EntryPoint = "open_by_handle_at", SetLastError = true)]
        internal static unsafe partial int OpenByHandleAt(int mountFd, byte* handle, int flags);

        [LibraryImport(Lib, EntryPoint = "name_to_handle_at", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int NameToHandleAt(int dirFd, string path, byte* handle, int* mountId, int flags);

        [LibraryImport(Lib, EntryPoint = "readlink", SetLastError = true)]
        internal static unsafe partial nint ReadLink(byte* path, byte* buffer, nint size);

        [LibraryImport(Lib, EntryPoint = "open", SetLastError = true)]
        internal static unsafe partial int OpenRaw(byte* path, int flags, int mode);

        [LibraryImport(Lib, EntryPoint = "fstatfs", SetLastError = true)]
        internal static unsafe partial int FStatFs(int fd, byte* buffer);

        [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
        internal static partial int EventFd(uint initialValue, int flags);

        [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
        internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd
        {
            public int Fd;
            public short Events;
            public short REvents;
        }
    }
}
