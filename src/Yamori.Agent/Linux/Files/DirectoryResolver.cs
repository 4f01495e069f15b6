using System.Runtime.InteropServices;
using System.Text;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Files;

/// <summary>
/// Turns the directory file handles fanotify reports into paths: open_by_handle_at against a
/// descriptor on the same file system, then readlink of /proc/self/fd. Results are cached by
/// the raw (fsid, handle) bytes, because a watched directory sees many events and each lookup
/// would otherwise cost three syscalls.
/// </summary>
internal sealed class DirectoryResolver : IDisposable
{
    private const int MaxCached = 65536;

    private readonly Dictionary<byte[], string> _paths = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly Dictionary<long, SafeFd> _mountFds = [];
    private readonly byte[] _linkBuffer = new byte[4096];

    public DirectoryResolver() => _lookup = _paths.GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>
    /// Remembers a file system by one of its directories (used as mount_fd), and the directory's
    /// own handle, so events for it resolve even after it is deleted.
    /// </summary>
    public unsafe void Register(SafeFd directory, string path)
    {
        Span<byte> statfs = stackalloc byte[LibC.Fanotify.StatfsSize];
        fixed (byte* s = statfs)
        {
            if (LibC.Fanotify.FStatFs(directory.Fd, s) != 0)
            {
                return;
            }
        }

        long fsid = MemoryMarshal.Read<long>(statfs[LibC.Fanotify.StatfsFsidOffset..]);
        if (!_mountFds.ContainsKey(fsid))
        {
            // Not O_PATH: open_by_handle_at refuses an O_PATH mount_fd (EBADF).
            int fd = LibC.Fanotify.Open(path, LibC.Fanotify.O_RDONLY | LibC.Fanotify.O_DIRECTORY | LibC.Fanotify.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                _mountFds[fsid] = new SafeFd(fd);
            }
        }

        // Key layout is what fanotify reports: fsid (8 bytes) then struct file_handle.
        Span<byte> key = stackalloc byte[8 + 8 + LibC.Fanotify.MaxHandleSize];
        MemoryMarshal.Write(key, in fsid);
        MemoryMarshal.Write(key[8..], LibC.Fanotify.MaxHandleSize);
        int mountId;
        fixed (byte* h = key[8..])
        {
            if (LibC.Fanotify.NameToHandleAt(directory.Fd, string.Empty, h, &mountId, 0x1000 /* AT_EMPTY_PATH */) != 0)
            {
                return;
            }
        }

        int handleBytes = MemoryMarshal.Read<int>(key[8..]);
        Remember(key[..(16 + handleBytes)], path);
    }

    /// <summary>
    /// The path of the directory whose fsid and handle start at <paramref name="fsidAndHandle"/>
    /// (exactly fsid + file_handle header + f_handle); null when it cannot be resolved any more.
    /// </summary>
    public unsafe string? Resolve(ReadOnlySpan<byte> fsidAndHandle)
    {
        if (_lookup.TryGetValue(fsidAndHandle, out string? path))
        {
            return path;
        }

        long fsid = MemoryMarshal.Read<long>(fsidAndHandle);
        if (!_mountFds.TryGetValue(fsid, out SafeFd? mountFd))
        {
            return null;
        }

        int fd;
        fixed (byte* h = fsidAndHandle[8..])
        {
            fd = LibC.Fanotify.OpenByHandleAt(mountFd.Fd, h, LibC.Fanotify.O_PATH | LibC.Fanotify.O_CLOEXEC);
        }

        if (fd < 0)
        {
            return null;
        }

        try
        {
            path = ReadFdPath(fd);
        }
        finally
        {
            LibC.close(fd);
        }

        if (path is null)
        {
            return null;
        }

        Remember(fsidAndHandle, path);
        return path;
    }

    /// <summary>A directory moved: every cached path below it may be stale, so start over.</summary>
    public void Invalidate() => _paths.Clear();

    public void Dispose()
    {
        foreach (SafeFd fd in _mountFds.Values)
        {
            fd.Dispose();
        }

        _mountFds.Clear();
    }

    private void Remember(ReadOnlySpan<byte> key, string path)
    {
        if (_paths.Count >= MaxCached)
        {
            _paths.Clear();
        }

        _paths[key.ToArray()] = path;
    }

    private string? ReadFdPath(int fd) => PathOf(fd, _linkBuffer);

    /// <summary>The path an open descriptor refers to (readlink of /proc/self/fd/N); null when deleted or not a path.</summary>
    internal static string? PathOf(int fd) => PathOf(fd, new byte[4096]);

    private static unsafe string? PathOf(int fd, byte[] buffer)
    {
        Span<byte> link = stackalloc byte[32];
        "/proc/self/fd/"u8.CopyTo(link);
        fd.TryFormat(link[14..], out int n, provider: System.Globalization.CultureInfo.InvariantCulture);
        link[14 + n] = 0;
        nint len;
        fixed (byte* l = link)
        fixed (byte* b = buffer)
        {
            len = LibC.Fanotify.ReadLink(l, b, buffer.Length);
        }

        if (len <= 0)
        {
            return null;
        }

        ReadOnlySpan<byte> target = buffer.AsSpan(0, (int)len);
        return target.EndsWith(" (deleted)"u8) || target[0] != (byte)'/'
            ? null
            : Encoding.UTF8.GetString(target);
    }

    /// <summary>Byte-array keys compared by content, looked up by span without allocating.</summary>
    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var h = new HashCode();
            h.AddBytes(bytes);
            return h.ToHashCode();
        }
    }
}
