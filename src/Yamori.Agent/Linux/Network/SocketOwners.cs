using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Yamori.Agent.Linux.Process;

namespace Yamori.Agent.Linux.Network;

/// <summary>
/// Socket inode → owning process, from the "socket:[inode]" links in /proc/*/fd (sock_diag gives
/// the inode, not the process). A full scan is costly (one readlink per descriptor on the host),
/// so it runs only when a dump shows an inode not seen yet, at most once per poll.
/// </summary>
internal sealed class SocketOwners
{
    private readonly Dictionary<uint, int> _owners = [];
    private readonly Dictionary<int, string?> _images = [];
    private readonly byte[] _link = new byte[256];
    private readonly byte[] _name = new byte[32];
    private readonly byte[] _path = new byte[4096];

    public long Scans { get; private set; }

    public bool TryGetOwner(uint inode, out int pid) => _owners.TryGetValue(inode, out pid);

    /// <summary>Rebuilds the map from /proc. Processes that exit mid-scan are skipped.</summary>
    public void Refresh()
    {
        Scans++;
        _owners.Clear();
        _images.Clear();
        foreach (int pid in ProcessSnapshot.Pids())
        {
            IEnumerable<string> fds;
            try
            {
                fds = Directory.EnumerateFileSystemEntries("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/fd");
                foreach (string fd in fds)
                {
                    AddIfSocket(pid, Path.GetFileName(fd.AsSpan()));
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Executable of a pid found by the last scan (cached until the next one); null if gone.</summary>
    public string? ImageOf(int pid)
    {
        if (!_images.TryGetValue(pid, out string? image))
        {
            int n = ProcFs.ReadLink(pid, "exe"u8, _path);
            image = n > 0 ? Encoding.UTF8.GetString(_path.AsSpan(0, n)) : null;
            _images[pid] = image;
        }

        return image;
    }

    private void AddIfSocket(int pid, ReadOnlySpan<char> fdName)
    {
        // "fd/<n>" as bytes for the stack-built /proc path.
        int length = Encoding.ASCII.GetBytes(fdName, _name.AsSpan(3));
        "fd/"u8.CopyTo(_name);
        int n = ProcFs.ReadLink(pid, _name.AsSpan(0, 3 + length), _link);
        ReadOnlySpan<byte> target = n > 0 ? _link.AsSpan(0, n) : default;
        if (target.StartsWith("socket:["u8) && target[^1] == (byte)']'
            && Utf8Parser.TryParse(target[8..^1], out uint inode, out _))
        {
            // The first owner wins: a socket shared after fork belongs to the process that made it, usually the lower pid.
            _owners.TryAdd(inode, pid);
        }
    }
}
