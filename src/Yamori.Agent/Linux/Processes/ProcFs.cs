using System.Buffers.Text;
using System.Runtime.InteropServices;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// Reads /proc/&lt;pid&gt;/… into caller buffers with stack-built paths: the exec path reads four
/// or five of these files per process and must not allocate for paths or file objects.
/// Every method returns -1 (or false) when the process or file has gone, which is normal for
/// short-lived processes.
/// </summary>
internal static unsafe class ProcFs
{
    /// <summary>Longest "/proc/&lt;pid&gt;/&lt;name&gt;\0" we build (pid ≤ 10 digits, short names).</summary>
    private const int PathCapacity = 64;

    /// <summary>Target of the symlink /proc/&lt;pid&gt;/&lt;name&gt; (exe, cwd, fd/N); byte count or -1.</summary>
    public static int ReadLink(int pid, ReadOnlySpan<byte> name, Span<byte> destination)
    {
        byte* path = stackalloc byte[PathCapacity];
        BuildPath(new Span<byte>(path, PathCapacity), pid, name);
        fixed (byte* dest = destination)
        {
            nint n = LibC.readlink(path, dest, destination.Length);
            return n < 0 ? -1 : (int)n;
        }
    }

    /// <summary>Opens the directory /proc/&lt;pid&gt;/&lt;name&gt; (e.g. fd); the descriptor, or -errno.</summary>
    public static int OpenDirectory(int pid, ReadOnlySpan<byte> name)
    {
        byte* path = stackalloc byte[PathCapacity];
        BuildPath(new Span<byte>(path, PathCapacity), pid, name);
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Next batch of entries of a directory opened with <see cref="OpenDirectory"/> into
    /// <paramref name="buffer"/> (struct linux_dirent64 records: d_ino u64, d_off s64, d_reclen u16,
    /// d_type u8, NUL-terminated d_name); byte count, 0 at the end, -1 on error.
    /// </summary>
    public static int ReadEntries(int fd, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            nint n = LibC.getdents64(fd, b, buffer.Length);
            return n < 0 ? -1 : (int)n;
        }
    }

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes of /proc/&lt;pid&gt;/&lt;name&gt;; byte count or -1.</summary>
    public static int ReadFile(int pid, ReadOnlySpan<byte> name, Span<byte> destination)
    {
        byte* path = stackalloc byte[PathCapacity];
        BuildPath(new Span<byte>(path, PathCapacity), pid, name);
        return ReadWhole(path, destination);
    }

    /// <summary>Reads a file by absolute path (NUL-terminated bytes) into the buffer; byte count or -1.</summary>
    public static int ReadWhole(byte* path, Span<byte> destination)
    {
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            return -1;
        }

        try
        {
            int total = 0;
            fixed (byte* dest = destination)
            {
                while (total < destination.Length)
                {
                    nint n = LibC.read(fd, dest + total, destination.Length - total);
                    if (n < 0)
                    {
                        if (Marshal.GetLastPInvokeError() == LibC.EINTR)
                        {
                            continue;
                        }

                        // A zombie's cmdline read fails with ESRCH; what was read so far still counts.
                        return total > 0 ? total : -1;
                    }

                    if (n == 0)
                    {
                        break;
                    }

                    total += (int)n;
                }
            }

            return total;
        }
        finally
        {
            _ = LibC.close(fd);
        }
    }

    /// <summary>
    /// Opens /proc/&lt;pid&gt;/exe: the descriptor pins the executable itself, so it can be
    /// identified (statx) and hashed even after the process and its path have gone.
    /// </summary>
    public static SafeFd? OpenExe(int pid)
    {
        byte* path = stackalloc byte[PathCapacity];
        BuildPath(new Span<byte>(path, PathCapacity), pid, "exe"u8);
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        return fd < 0 ? null : new SafeFd(fd);
    }

    /// <summary>Identity of an open file (device, inode, mtime, size): the key of the hash cache.</summary>
    public static bool TryIdentify(SafeFd fd, out FileIdentity identity)
    {
        byte* buffer = stackalloc byte[LibC.StatxSize];
        byte empty = 0;
        if (LibC.statx(fd.Fd, &empty, LibC.AT_EMPTY_PATH, LibC.STATX_BASIC_STATS, buffer) != 0)
        {
            identity = default;
            return false;
        }

        // struct statx offsets: stx_ino 32, stx_size 40, stx_mtime {i64 sec @112, u32 nsec @120},
        // stx_dev_major 136, stx_dev_minor 140.
        identity = new FileIdentity(
            Device: ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140),
            Inode: *(ulong*)(buffer + 32),
            MtimeNs: (*(long*)(buffer + 112) * 1_000_000_000L) + *(uint*)(buffer + 120),
            Size: *(long*)(buffer + 40));
        return true;
    }

    /// <summary>Value of an integer field ("PPid:", "Uid:") in a /proc status text; the first column.</summary>
    public static bool TryStatusField(ReadOnlySpan<byte> status, ReadOnlySpan<byte> key, out long value)
    {
        int at = 0;
        while (at < status.Length)
        {
            ReadOnlySpan<byte> rest = status[at..];
            int eol = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = eol < 0 ? rest : rest[..eol];
            if (line.StartsWith(key))
            {
                ReadOnlySpan<byte> number = line[key.Length..].TrimStart("\t "u8);
                return Utf8Parser.TryParse(number, out value, out _);
            }

            if (eol < 0)
            {
                break;
            }

            at += eol + 1;
        }

        value = 0;
        return false;
    }

    /// <summary>"Uid:\treal\teffective\tsaved\tfs": the effective uid, the privileges the process runs with.</summary>
    public static bool TryEffectiveUid(ReadOnlySpan<byte> status, out uint uid)
    {
        int start = status.IndexOf("\nUid:"u8);
        if (start >= 0)
        {
            ReadOnlySpan<byte> line = status[(start + 5)..];
            int eol = line.IndexOf((byte)'\n');
            if (eol >= 0)
            {
                line = line[..eol];
            }

            line = line.TrimStart("\t "u8);
            int tab = line.IndexOfAny("\t "u8);
            if (tab >= 0 && Utf8Parser.TryParse(line[tab..].TrimStart("\t "u8), out uid, out _))
            {
                return true;
            }
        }

        uid = 0;
        return false;
    }

    private static void BuildPath(Span<byte> path, int pid, ReadOnlySpan<byte> name)
    {
        "/proc/"u8.CopyTo(path);
        int at = 6;
        _ = Utf8Formatter.TryFormat(pid, path[at..], out int written);
        at += written;
        path[at++] = (byte)'/';
        name.CopyTo(path[at..]);
        at += name.Length;
        path[at] = 0;
    }
}

/// <summary>Which file (device and inode) in which version (mtime and size).</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long MtimeNs, long Size);
