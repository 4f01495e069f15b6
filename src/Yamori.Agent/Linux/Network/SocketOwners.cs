using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using Yamori.Agent.Linux.Processes;

namespace Yamori.Agent.Linux.Network;

/// <summary>
/// Socket inode → owning process, from the "socket:[inode]" links in /proc/*/fd (sock_diag gives
/// the inode, not the process). A full scan costs one readlink per descriptor on the host (~16 ms
/// on a 2-core VM with 160 processes), so new inodes are first looked for in the "hot" processes
/// that owned recent new sockets: a server accepting or a client connecting at a steady rate is
/// found there, and the full scan runs only for a process not seen before.
/// </summary>
/// <remarks>
/// Full scans are also spaced by <c>minFullScanInterval</c>: between them an inode the hot
/// processes do not hold stays unattributed, which is almost always a socket already closed
/// between the dump and the scan (nothing would find its owner any more).
/// </remarks>
internal sealed class SocketOwners(TimeSpan minFullScanInterval, int maxHot = 32)
{
    private const int MaxOwners = 65_536;

    private readonly Dictionary<uint, int> _owners = [];
    private readonly Dictionary<int, string?> _images = [];
    private readonly Dictionary<int, long> _hot = [];
    private readonly byte[] _link = new byte[256];
    private readonly byte[] _name = new byte[32];
    private readonly byte[] _path = new byte[4096];
    private readonly byte[] _entries = new byte[16 * 1024];
    private long _round;
    private long _lastFullScan = long.MinValue;

    /// <summary>Full /proc scans so far.</summary>
    public long Scans { get; private set; }

    /// <summary>Scans of the hot processes only.</summary>
    public long TargetedScans { get; private set; }

    public bool TryGetOwner(uint inode, out int pid) => _owners.TryGetValue(inode, out pid);

    /// <summary>
    /// Finds owners for <paramref name="inodes"/> not known yet: the hot processes first, then,
    /// if any is still unknown, every process. At most one full scan per call.
    /// </summary>
    public void Resolve(IReadOnlyList<uint> inodes)
    {
        _round++;
        if (AllKnown(inodes))
        {
            return;
        }

        if (_hot.Count > 0)
        {
            TargetedScans++;
            foreach (int pid in _hot.Keys)
            {
                ScanProcess(pid);
            }

            if (AllKnown(inodes))
            {
                MarkHot(inodes);
                return;
            }
        }

        if (_lastFullScan != long.MinValue && Stopwatch.GetElapsedTime(_lastFullScan) < minFullScanInterval)
        {
            SkippedScans++;
            MarkHot(inodes);
            return;
        }

        Refresh();
        MarkHot(inodes);
    }

    /// <summary>Full scans not made because the last one was too recent.</summary>
    public long SkippedScans { get; private set; }

    /// <summary>Rebuilds the whole map from /proc. Processes that exit mid-scan are skipped.</summary>
    public void Refresh()
    {
        Scans++;
        _lastFullScan = Stopwatch.GetTimestamp();
        _owners.Clear();
        _images.Clear();
        foreach (int pid in ProcessSnapshot.Pids())
        {
            ScanProcess(pid);
        }
    }

    /// <summary>Executable of an owner (cached until the next full scan); null if gone.</summary>
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

    private bool AllKnown(IReadOnlyList<uint> inodes)
    {
        foreach (uint inode in inodes)
        {
            if (!_owners.ContainsKey(inode))
            {
                return false;
            }
        }

        return true;
    }

    private void MarkHot(IReadOnlyList<uint> inodes)
    {
        foreach (uint inode in inodes)
        {
            if (_owners.TryGetValue(inode, out int pid))
            {
                _hot[pid] = _round;
            }
        }

        while (_hot.Count > maxHot)
        {
            int coldest = _hot.MinBy(kv => kv.Value).Key;
            _ = _hot.Remove(coldest);
        }
    }

    private void ScanProcess(int pid)
    {
        if (_owners.Count >= MaxOwners)
        {
            // Closed sockets' inodes are only dropped by full scans; bound the map between them.
            _owners.Clear();
        }

        // getdents64 and readlink on stack-built paths: a full scan visits every descriptor on the
        // host, and .NET's enumerator would allocate a string and stat each one.
        int fd = ProcFs.OpenDirectory(pid, "fd"u8);
        if (fd < 0)
        {
            if (fd != -Interop.LibC.EACCES)
            {
                // The process exited: a hot pid that has gone stops being hot.
                _ = _hot.Remove(pid);
            }

            return;
        }

        try
        {
            int n;
            while ((n = ProcFs.ReadEntries(fd, _entries)) > 0)
            {
                for (int at = 0; at + 19 < n;)
                {
                    int length = BinaryPrimitives.ReadUInt16LittleEndian(_entries.AsSpan(at + 16));
                    if (length < 20 || at + length > n)
                    {
                        break;
                    }

                    ReadOnlySpan<byte> name = _entries.AsSpan(at + 19, length - 19);
                    int end = name.IndexOf((byte)0);
                    name = end >= 0 ? name[..end] : name;
                    if (name.Length > 0 && name[0] != (byte)'.')
                    {
                        AddIfSocket(pid, name);
                    }

                    at += length;
                }
            }
        }
        finally
        {
            _ = Interop.LibC.close(fd);
        }
    }

    private void AddIfSocket(int pid, ReadOnlySpan<byte> fdName)
    {
        // "fd/<n>" as bytes for the stack-built /proc path.
        if (fdName.Length > _name.Length - 3)
        {
            return;
        }

        "fd/"u8.CopyTo(_name);
        fdName.CopyTo(_name.AsSpan(3));
        int n = ProcFs.ReadLink(pid, _name.AsSpan(0, 3 + fdName.Length), _link);
        ReadOnlySpan<byte> target = n > 0 ? _link.AsSpan(0, n) : default;
        if (target.StartsWith("socket:["u8) && target[^1] == (byte)']'
            && Utf8Parser.TryParse(target[8..^1], out uint inode, out _))
        {
            // The first owner wins: a socket shared after fork belongs to the process that made it, usually the lower pid.
            _owners.TryAdd(inode, pid);
        }
    }
}
