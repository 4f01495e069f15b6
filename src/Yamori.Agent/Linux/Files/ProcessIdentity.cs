using System.Text;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Files;

/// <summary>
/// Who acted: the executable and user of a pid, read from /proc at once (the process may exit
/// any moment). Buffers are reused and strings are cached per pid and per uid, because this runs
/// for every file event and the same few processes produce most of them.
/// </summary>
internal sealed class ProcessIdentity
{
    private const int MaxCachedPids = 1024;

    private readonly byte[] _linkBuffer = new byte[4096];
    private readonly byte[] _statusBuffer = new byte[4096];
    private readonly Dictionary<int, CachedImage> _images = [];
    private readonly UserNames _users = new();
    private readonly Func<int, string?>? _fallback;

    public ProcessIdentity(Func<int, string?>? fallback = null) => _fallback = fallback;

    /// <summary>Reads the executable path and effective user; empty image and null user when the process is gone.</summary>
    public unsafe (string Image, string? User) Read(int pid)
    {
        Span<byte> path = stackalloc byte[32];
        string image = ReadImage(pid, path);
        string? user = null;
        if (TryReadEffectiveUid(pid, path, out uint uid))
        {
            user = _users.NameOf(uid);
        }

        return (image, user);
    }

    private unsafe string ReadImage(int pid, Span<byte> path)
    {
        ProcPath(path, pid, "exe"u8);
        nint len;
        fixed (byte* p = path)
        fixed (byte* b = _linkBuffer)
        {
            len = LibC.Fanotify.ReadLink(p, b, _linkBuffer.Length);
        }

        if (len <= 0)
        {
            return _fallback?.Invoke(pid) ?? string.Empty;
        }

        ReadOnlySpan<byte> target = _linkBuffer.AsSpan(0, (int)len);
        if (_images.TryGetValue(pid, out CachedImage cached) && target.SequenceEqual(cached.Bytes))
        {
            return cached.Image;
        }

        if (_images.Count >= MaxCachedPids)
        {
            _images.Clear();
        }

        string image = Encoding.UTF8.GetString(target);
        _images[pid] = new CachedImage(target.ToArray(), image);
        return image;
    }

    private unsafe bool TryReadEffectiveUid(int pid, Span<byte> path, out uint uid)
    {
        uid = 0;
        ProcPath(path, pid, "status"u8);
        int fd;
        fixed (byte* p = path)
        {
            fd = LibC.Fanotify.OpenRaw(p, LibC.Fanotify.O_RDONLY | LibC.Fanotify.O_CLOEXEC, 0);
        }

        if (fd < 0)
        {
            return false;
        }

        nint len;
        try
        {
            fixed (byte* b = _statusBuffer)
            {
                len = LibC.read(fd, b, _statusBuffer.Length);
            }
        }
        finally
        {
            LibC.close(fd);
        }

        return len > 0 && ParseEffectiveUid(_statusBuffer.AsSpan(0, (int)len), out uid);
    }

    /// <summary>Finds "Uid:\treal\teffective\t..." and returns the effective uid (the one file access is checked against).</summary>
    internal static bool ParseEffectiveUid(ReadOnlySpan<byte> status, out uint uid)
    {
        uid = 0;
        int at = status.IndexOf("\nUid:"u8);
        if (at < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = status[(at + 5)..];
        int eol = rest.IndexOf((byte)'\n');
        if (eol >= 0)
        {
            rest = rest[..eol];
        }

        int field = 0;
        uint value = 0;
        bool inNumber = false;
        foreach (byte c in rest)
        {
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                value = (value * 10) + (uint)(c - '0');
                inNumber = true;
            }
            else if (inNumber)
            {
                if (field == 1)
                {
                    uid = value;
                    return true;
                }

                field++;
                value = 0;
                inNumber = false;
            }
        }

        if (inNumber && field == 1)
        {
            uid = value;
            return true;
        }

        return false;
    }

    /// <summary>Writes "/proc/&lt;pid&gt;/&lt;leaf&gt;\0" into <paramref name="path"/>.</summary>
    private static int ProcPath(Span<byte> path, int pid, ReadOnlySpan<byte> leaf)
    {
        "/proc/"u8.CopyTo(path);
        int n = 6;
        pid.TryFormat(path[n..], out int written, provider: System.Globalization.CultureInfo.InvariantCulture);
        n += written;
        path[n++] = (byte)'/';
        leaf.CopyTo(path[n..]);
        n += leaf.Length;
        path[n] = 0;
        return n;
    }

    private readonly record struct CachedImage(byte[] Bytes, string Image);
}

/// <summary>uid to user name from /etc/passwd, re-read at most every few seconds when a uid is unknown.</summary>
internal sealed class UserNames
{
    private static readonly TimeSpan RereadInterval = TimeSpan.FromSeconds(5);

    private readonly string _passwdPath;
    private Dictionary<uint, string> _names = [];
    private DateTime _lastRead = DateTime.MinValue;

    public UserNames(string passwdPath = "/etc/passwd") => _passwdPath = passwdPath;

    public string NameOf(uint uid)
    {
        if (_names.TryGetValue(uid, out string? name))
        {
            return name;
        }

        if (DateTime.UtcNow - _lastRead > RereadInterval)
        {
            _names = Load(_passwdPath);
            _lastRead = DateTime.UtcNow;
            if (_names.TryGetValue(uid, out name))
            {
                return name;
            }
        }

        // A uid without a passwd entry (container, deleted user) is still worth reporting.
        name = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _names[uid] = name;
        return name;
    }

    private static Dictionary<uint, string> Load(string path)
    {
        var names = new Dictionary<uint, string>();
        try
        {
            foreach (string line in System.IO.File.ReadLines(path))
            {
                string[] parts = line.Split(':');
                if (parts.Length >= 3 && uint.TryParse(parts[2], out uint uid))
                {
                    names.TryAdd(uid, parts[0]);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return names;
    }
}
