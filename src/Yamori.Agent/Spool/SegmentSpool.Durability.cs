using Microsoft.Win32.SafeHandles;

namespace Yamori.Agent.Spool;

/// <summary>The fsync policy: what is synced when, and how disk errors are kept away from collectors.</summary>
public sealed partial class SegmentSpool
{
    private void Synced(SpoolSegment segment)
    {
        switch (_options.Fsync)
        {
            case FsyncPolicy.Always:
                try
                {
                    RandomAccess.FlushToDisk(segment.Handle);
                }
                catch (IOException)
                {
                    // The record is written and readable; only its survival of a power cut is in doubt.
                    // Nothing to count, and a collector must not see the exception.
                }

                break;
            case FsyncPolicy.Interval:
                segment.Dirty = true;
                _dirty.Add(segment);
                break;
            default:
                break;
        }
    }

    private void DirectoryChanged()
    {
        if (_options.Fsync == FsyncPolicy.Always)
        {
            SpoolFiles.SyncDirectory(_options.Directory);
        }
        else
        {
            _directoryDirty = _options.Fsync == FsyncPolicy.Interval;
        }
    }

    /// <summary>The interval flusher: fsync outside the lock so appends do not wait for the disk.</summary>
    private void FlushDirty()
    {
        List<SafeFileHandle> handles;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            handles = new List<SafeFileHandle>(_dirty.Count);
            foreach (SpoolSegment segment in _dirty)
            {
                segment.Dirty = false;
                handles.Add(segment.Handle);
            }

            _dirty.Clear();
            try
            {
                _journal.Flush();
                if (_directoryDirty)
                {
                    SpoolFiles.SyncDirectory(_options.Directory);
                    _directoryDirty = false;
                }
            }
            catch (IOException)
            {
                // A timer thread must not throw (it would end the process); the next tick tries again.
            }
        }

        foreach (SafeFileHandle handle in handles)
        {
            try
            {
                RandomAccess.FlushToDisk(handle);
            }
            catch (Exception e) when (e is ObjectDisposedException or IOException)
            {
                // Sealed (and flushed then) or deleted meanwhile; or a failing disk, which appends will show.
            }
        }
    }

    private void FlushAllLocked()
    {
        foreach (SpoolSegment segment in _dirty)
        {
            segment.Dirty = false;
            RandomAccess.FlushToDisk(segment.Handle);
        }

        _dirty.Clear();
        _journal.Flush();
        if (_directoryDirty)
        {
            _directoryDirty = false;
            SpoolFiles.SyncDirectory(_options.Directory);
        }
    }

    private static void TryTruncate(SpoolSegment segment)
    {
        try
        {
            RandomAccess.SetLength(segment.Handle, segment.Length);
        }
        catch (IOException)
        {
            // Left for the next open: a damaged tail is found and cut there.
        }
    }
}
