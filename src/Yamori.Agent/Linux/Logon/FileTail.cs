using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Logon;

/// <summary>
/// Follows one append-only file by path, the way <c>tail -F</c> does: starts at the end (or the
/// beginning), reads what is appended, finishes the old file when it is rotated (renamed and
/// replaced) and then continues with the new one from its start, and starts over when the file
/// is truncated in place.
/// </summary>
internal sealed class FileTail : IDisposable
{
    private FileStream? _stream;
    private FileId _id;
    private bool _pendingSwitch;

    /// <summary>
    /// Opens <paramref name="path"/> at its end, or at <paramref name="resume"/> when that names the
    /// same file (device and inode) and is not past its end: what was appended while the agent was
    /// down is then read too. A file replaced meanwhile is read from its start.
    /// </summary>
    public FileTail(string path, TailPosition? resume = null)
    {
        Path = path;
        if (TryOpen(path, out FileStream? stream, out FileId openedId))
        {
            _stream = stream;
            _id = openedId;
            long size = stream.Length;
            _stream.Position = resume is null ? size
                : resume.Device == openedId.Device && resume.Inode == openedId.Inode && resume.Offset <= size ? resume.Offset
                : 0;
        }
    }

    public string Path { get; }

    /// <summary>Which file is open and how far it has been read; null while the file does not exist.</summary>
    public TailPosition? Position => _stream is null ? null : new TailPosition(_id.Device, _id.Inode, _stream.Position);

    /// <summary>Times the file was replaced (rotation) or truncated.</summary>
    public long Rotations { get; private set; }

    /// <summary>
    /// Reads appended bytes into <paramref name="buffer"/>. Returns 0 when nothing is new. When the
    /// file was rotated or truncated, <paramref name="restarted"/> is set on the first read of the new
    /// content, so a reader drops any partial record of the old file.
    /// </summary>
    public int Read(byte[] buffer, out bool restarted)
    {
        restarted = false;
        if (_stream is null)
        {
            // The file did not exist (or was unreadable): everything in it, once it appears, is new.
            if (!TryOpen(Path, out _stream, out _id))
            {
                return 0;
            }

            restarted = true;
        }

        int n = _stream.Read(buffer, 0, buffer.Length);
        if (n > 0)
        {
            return n;
        }

        // At the end of what we hold open: is the path still the same file, and as long?
        if (!TryStat(Path, out FileId current, out long size))
        {
            return 0;
        }

        if (current != _id)
        {
            // Rotated: the old file is finished (read to its end above); switch to the new one.
            if (!_pendingSwitch)
            {
                // One more pass first: a writer may still have appended to the old file after our read.
                _pendingSwitch = true;
                return _stream.Read(buffer, 0, buffer.Length);
            }

            _pendingSwitch = false;
            _stream.Dispose();
            _stream = null;
            Rotations++;
            if (!TryOpen(Path, out _stream, out _id))
            {
                return 0;
            }

            restarted = true;
            return _stream.Read(buffer, 0, buffer.Length);
        }

        if (size < _stream.Position)
        {
            // Truncated in place (copytruncate): start over.
            Rotations++;
            _stream.Position = 0;
            restarted = true;
            return _stream.Read(buffer, 0, buffer.Length);
        }

        return 0;
    }

    public void Dispose() => _stream?.Dispose();

    private static bool TryOpen(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FileStream? stream, out FileId id)
    {
        stream = null;
        id = default;
        try
        {
            var s = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
            });
            if (!TryFStat(s.SafeFileHandle, out id))
            {
                s.Dispose();
                return false;
            }

            stream = s;
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static unsafe bool TryStat(string path, out FileId id, out long size)
    {
        byte* st = stackalloc byte[LibC.Logon.StatSize];
        if (LibC.Logon.Stat(path, st) != 0)
        {
            id = default;
            size = 0;
            return false;
        }

        var span = new ReadOnlySpan<byte>(st, LibC.Logon.StatSize);
        id = new FileId(MemoryMarshal.Read<ulong>(span[LibC.Logon.StDevOffset..]), MemoryMarshal.Read<ulong>(span[LibC.Logon.StInoOffset..]));
        size = MemoryMarshal.Read<long>(span[LibC.Logon.StSizeOffset..]);
        return true;
    }

    private static unsafe bool TryFStat(SafeFileHandle handle, out FileId id)
    {
        byte* st = stackalloc byte[LibC.Logon.StatSize];
        if (LibC.Logon.FStat(handle, st) != 0)
        {
            id = default;
            return false;
        }

        var span = new ReadOnlySpan<byte>(st, LibC.Logon.StatSize);
        id = new FileId(MemoryMarshal.Read<ulong>(span[LibC.Logon.StDevOffset..]), MemoryMarshal.Read<ulong>(span[LibC.Logon.StInoOffset..]));
        return true;
    }

    private readonly record struct FileId(ulong Device, ulong Inode);
}

/// <summary>A read position in one particular file (device and inode), as saved between agent runs.</summary>
internal sealed record TailPosition(ulong Device, ulong Inode, long Offset);
