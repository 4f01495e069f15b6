using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Yamori.Agent.Linux.Interop;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Linux.Files;

public sealed partial class FileCollector
{
    private const int MetadataSize = 24;
    private const string Create = "create";
    private const string Modify = "modify";
    private const string Delete = "delete";
    private const string Rename = "rename";

    private static readonly LogSourceHint FileEventSource = new("linux", "file_event", null);

    private unsafe void Drain(LoopState state)
    {
        byte[] buffer = state.Buffer;
        while (true)
        {
            nint len;
            fixed (byte* b = buffer)
            {
                len = LibC.read(state.Fan.Fd, b, buffer.Length);
            }

            if (len < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EAGAIN)
                {
                    return;
                }

                if (errno == LibC.EINTR)
                {
                    continue;
                }

                throw new IOException($"read from the fanotify descriptor failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
            }

            if (len == 0)
            {
                return;
            }

            ParseBuffer(state, buffer.AsSpan(0, (int)len));
        }
    }

    private void ParseBuffer(LoopState state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= MetadataSize)
        {
            uint eventLen = BinaryPrimitives.ReadUInt32LittleEndian(data);
            byte version = data[4];
            ushort metadataLen = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
            if (version != LibC.Fanotify.FANOTIFY_METADATA_VERSION || eventLen < MetadataSize || eventLen > data.Length || metadataLen < MetadataSize || metadataLen > eventLen)
            {
                throw new InvalidDataException($"fanotify returned an event this collector cannot parse (version {version}, length {eventLen})");
            }

            ulong mask = BinaryPrimitives.ReadUInt64LittleEndian(data[8..]);
            int fd = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
            int pid = BinaryPrimitives.ReadInt32LittleEndian(data[20..]);
            if (fd >= 0)
            {
                // FID mode reports no descriptor, but one must never leak if the kernel sends it.
                LibC.close(fd);
            }

            if ((mask & LibC.Fanotify.FAN_Q_OVERFLOW) != 0)
            {
                Interlocked.Increment(ref _overflows);
            }
            else if (pid != state.OwnPid)
            {
                HandleEvent(state, mask, pid, data[metadataLen..(int)eventLen]);
            }

            data = data[(int)eventLen..];
        }
    }

    private void HandleEvent(LoopState state, ulong mask, int pid, ReadOnlySpan<byte> infos)
    {
        ReadOnlySpan<byte> oldHandle = default, oldName = default, handle = default, name = default;
        while (infos.Length >= 4)
        {
            byte type = infos[0];
            ushort len = BinaryPrimitives.ReadUInt16LittleEndian(infos[2..]);
            if (len < 4 || len > infos.Length)
            {
                break;
            }

            ReadOnlySpan<byte> info = infos[..len];
            infos = infos[len..];
            if (type is not (LibC.Fanotify.FAN_EVENT_INFO_TYPE_DFID_NAME or LibC.Fanotify.FAN_EVENT_INFO_TYPE_NEW_DFID_NAME or LibC.Fanotify.FAN_EVENT_INFO_TYPE_OLD_DFID_NAME) || info.Length < 20)
            {
                continue;
            }

            // info: header(4) fsid(8) file_handle{handle_bytes(4) handle_type(4) f_handle[]} name\0
            int handleBytes = BinaryPrimitives.ReadInt32LittleEndian(info[12..]);
            if (handleBytes < 0 || handleBytes > info.Length - 20)
            {
                continue;
            }

            ReadOnlySpan<byte> h = info[4..(20 + handleBytes)];
            ReadOnlySpan<byte> n = info[(20 + handleBytes)..];
            int nul = n.IndexOf((byte)0);
            n = nul >= 0 ? n[..nul] : n;
            if (type == LibC.Fanotify.FAN_EVENT_INFO_TYPE_OLD_DFID_NAME)
            {
                oldHandle = h;
                oldName = n;
            }
            else
            {
                handle = h;
                name = n;
            }
        }

        bool isDir = (mask & LibC.Fanotify.FAN_ONDIR) != 0;
        if ((mask & LibC.Fanotify.FAN_RENAME) != 0)
        {
            HandleRename(state, pid, isDir, oldHandle, oldName, handle, name);
        }

        if ((mask & (LibC.Fanotify.FAN_CREATE | LibC.Fanotify.FAN_MODIFY | LibC.Fanotify.FAN_DELETE)) == 0 || handle.IsEmpty)
        {
            return;
        }

        string? dir = state.Resolver.Resolve(handle);
        if (dir is null)
        {
            Interlocked.Increment(ref _unresolved);
            return;
        }

        Root? root = Covering(dir);
        if (root is null)
        {
            return;
        }

        // The path is a field of the event, so this string is needed anyway.
        string path = Join(dir, name);
        if ((mask & LibC.Fanotify.FAN_CREATE) != 0)
        {
            FlushPath(state, path);
            (string image, string? user) = state.Identity.Read(pid);
            bool newSubtree = isDir && root.Recursive;

            // Marked before the create is published: whoever sees the event can rely on the directory being watched.
            bool marked = newSubtree && MarkDirectory(state, path, isRoot: false);
            Emit(state, Create, path, null, pid, image, user, isDir, count: 0, DateTimeOffset.UtcNow);
            if (marked)
            {
                DiscoverNewSubtree(state, path);
            }
        }

        if ((mask & LibC.Fanotify.FAN_MODIFY) != 0 && !state.Coalescer.TryBump(pid, path))
        {
            (string image, string? user) = state.Identity.Read(pid);
            var pending = new PendingModify(pid, path, image, user, isDir, DateTimeOffset.UtcNow);
            if (_options.ModifyCoalesceWindow == TimeSpan.Zero)
            {
                EmitModify(state, pending);
            }
            else if (state.Coalescer.Add(pending, Environment.TickCount64) is { } pushedOut)
            {
                EmitModify(state, pushedOut);
            }
        }

        if ((mask & LibC.Fanotify.FAN_DELETE) != 0)
        {
            FlushPath(state, path);
            (string image, string? user) = state.Identity.Read(pid);
            Emit(state, Delete, path, null, pid, image, user, isDir, count: 0, DateTimeOffset.UtcNow);
        }
    }

    private void HandleRename(LoopState state, int pid, bool isDir, ReadOnlySpan<byte> oldHandle, ReadOnlySpan<byte> oldName, ReadOnlySpan<byte> newHandle, ReadOnlySpan<byte> newName)
    {
        string? oldDir = oldHandle.IsEmpty ? null : state.Resolver.Resolve(oldHandle);
        string? newDir = newHandle.IsEmpty ? null : state.Resolver.Resolve(newHandle);
        if (oldDir is null || newDir is null)
        {
            Interlocked.Increment(ref _unresolved);
            return;
        }

        Root? oldRoot = Covering(oldDir);
        Root? newRoot = Covering(newDir);
        if (oldRoot is null && newRoot is null)
        {
            return;
        }

        string oldPath = Join(oldDir, oldName);
        string newPath = Join(newDir, newName);
        FlushPath(state, oldPath);
        FlushPath(state, newPath);
        if (isDir)
        {
            // Every cached path under the moved directory is now wrong.
            state.Resolver.Invalidate();
        }

        if (isDir && newRoot is { Recursive: true })
        {
            // A directory moved in brings its subtree (already-marked directories just keep their marks).
            MarkNewSubtree(state, newPath);
        }

        (string image, string? user) = state.Identity.Read(pid);
        Emit(state, Rename, newPath, oldPath, pid, image, user, isDir, count: 0, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Entries made in a new directory before its mark was in place (mkdir -p, tar, cp -r) would be
    /// invisible; they are reported as creates marked Discovered, without a process: the one that
    /// made the directory did not necessarily make its entries. Subdirectories are marked as they
    /// are found, before their own entries are listed.
    /// </summary>
    private void DiscoverNewSubtree(LoopState state, string path)
    {
        var walk = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            ReturnSpecialDirectories = false,
        };
        try
        {
            foreach (FileSystemInfo entry in new DirectoryInfo(path).EnumerateFileSystemInfos("*", walk))
            {
                bool dir = entry is DirectoryInfo;
                if (dir)
                {
                    MarkDirectory(state, entry.FullName, isRoot: false);
                }

                Emit(state, Create, entry.FullName, null, pid: 0, string.Empty, null, dir, count: 0, DateTimeOffset.UtcNow, discovered: true);
            }
        }
        catch (IOException)
        {
            // The subtree changed while being walked; what was found is reported.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void MarkNewSubtree(LoopState state, string path)
    {
        if (MarkDirectory(state, path, isRoot: false))
        {
            MarkSubdirectories(state, path);
        }
    }

    private Root? Covering(string dir)
    {
        foreach (Root r in _roots)
        {
            if (dir.Length == r.Path.Length ? string.Equals(dir, r.Path, StringComparison.Ordinal)
                : r.Recursive && dir.Length > r.Path.Length && dir.StartsWith(r.Path, StringComparison.Ordinal) &&
                  (r.Path.Length == 1 || dir[r.Path.Length] == '/'))
            {
                return r;
            }
        }

        return null;
    }

    private static string Join(string dir, ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return dir;
        }

        // Decoded on the stack, then one allocation for the whole path.
        Span<char> chars = name.Length <= 1024 ? stackalloc char[name.Length] : new char[name.Length];
        int n = Encoding.UTF8.GetChars(name, chars);
        return dir.Length > 0 && dir[^1] == '/'
            ? string.Concat(dir.AsSpan(), chars[..n])
            : string.Concat(dir.AsSpan(), "/", chars[..n]);
    }

    private void FlushPath(LoopState state, string path)
    {
        while (state.Coalescer.TakeForPath(path) is { } pending)
        {
            EmitModify(state, pending);
        }
    }

    private void EmitDue(LoopState state, long nowMs)
    {
        while (state.Coalescer.TakeDue(nowMs) is { } pending)
        {
            EmitModify(state, pending);
        }
    }

    private void EmitModify(LoopState state, PendingModify p) =>
        Emit(state, Modify, p.Path, null, p.Pid, p.Image, p.User, p.IsDirectory, p.Count, p.First);

    private void Emit(LoopState state, string eventType, string target, string? source, int pid, string image, string? user, bool isDir, int count, DateTimeOffset when, bool discovered = false)
    {
        var e = new FlatEvent { Source = FileEventSource, Timestamp = when };
        e.Set("EventType", eventType);
        e.Set("TargetFilename", target);
        if (source is not null)
        {
            e.Set("SourceFilename", source);
        }

        if (discovered)
        {
            e.Set("Discovered", "true");
        }
        else
        {
            e.Set("Image", image);
            e.Set("ProcessId", pid.ToString(CultureInfo.InvariantCulture));
            if (user is not null)
            {
                e.Set("User", user);
            }
        }

        if (isDir)
        {
            e.Set("IsDirectory", "true");
        }

        if (count > 0)
        {
            e.Set("ModifyCount", count.ToString(CultureInfo.InvariantCulture));
        }

        EventPriority priority = ReferenceEquals(eventType, Modify) ? EventPriority.Low : EventPriority.Normal;
        if (state.Sink.Publish(e, priority))
        {
            Interlocked.Increment(ref _published);
        }
        else
        {
            Interlocked.Increment(ref _shed);
        }
    }
}
