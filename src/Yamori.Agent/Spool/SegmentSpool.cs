using System.Buffers;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Spool;

/// <summary>
/// <see cref="ISpool"/> on append-only segment files, one lane of segments per priority, every
/// record framed with length and CRC-32C (see <see cref="SpoolFrame"/>), plus a small journal for
/// sequence numbers, batch manifests, lane cursors and drop counts (see <see cref="SpoolJournal"/>).
/// One lock serialises everything; the append path does the CRC and the copy into a pooled
/// buffer outside it and one positional write inside it.
/// </summary>
public sealed partial class SegmentSpool : ISpool
{
    public const string FullReason = "spool_full";
    public const string CorruptReason = "spool_corrupt";
    public const string TooLargeReason = "spool_record_too_large";
    public const string WriteFailedReason = "spool_write_failed";

    private const string LockFileName = "spool.lock";

    private readonly Lock _lock = new();
    private readonly SpoolOptions _options;
    private readonly SpoolLane[] _lanes = [new(EventPriority.Low), new(EventPriority.Normal), new(EventPriority.Alert)];
    private readonly SpoolJournal _journal;
    private readonly FileStream _lockFile;
    private readonly HashSet<SpoolSegment> _dirty = [];
    private readonly List<(SpoolLane Lane, SpoolSegment Segment)> _dead = [];
    private readonly ITimer? _flushTimer;
    private SpoolState _state = new();
    private ulong _nextCounter = 1;
    private long _liveEvents;
    private long _liveBytes;
    private long _diskBytes;
    private bool _directoryDirty;
    private bool _disposed;

    /// <summary>Opens (creating if needed) the spool in <see cref="SpoolOptions.Directory"/> and recovers it.</summary>
    /// <exception cref="IOException">Another process holds the spool open.</exception>
    /// <param name="options">Where and how.</param>
    /// <param name="time">Drives the <see cref="FsyncPolicy.Interval"/> flusher; the system clock when null.</param>
    public SegmentSpool(SpoolOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _options = options;
        SpoolFiles.PrepareDirectory(options.Directory);
        string lockPath = Path.Combine(options.Directory, LockFileName);
        try
        {
            // FileShare.None takes an exclusive flock on Unix: two agents on one spool would corrupt it.
            var lockOptions = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                lockOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            _lockFile = new FileStream(lockPath, lockOptions);
        }
        catch (IOException e)
        {
            throw new IOException($"the spool {options.Directory} is in use by another process", e);
        }

        _journal = new SpoolJournal(options.Directory);
        try
        {
            Recover();
            DeleteDead();
        }
        catch
        {
            Dispose();
            throw;
        }

        if (options.Fsync == FsyncPolicy.Interval)
        {
            _flushTimer = (time ?? TimeProvider.System).CreateTimer(_ => FlushDirty(), null, options.FsyncInterval, options.FsyncInterval);
        }
    }

    /// <summary>Bytes of segment files on disk (live records plus released ones sharing their segments).</summary>
    internal long DiskBytes
    {
        get
        {
            lock (_lock)
            {
                return _diskBytes;
            }
        }
    }

    public SpoolStats Stats
    {
        get
        {
            lock (_lock)
            {
                return new SpoolStats(
                    (ulong)_liveEvents,
                    (ulong)_liveBytes,
                    _state.NextSequence - 1,
                    _state.AcknowledgedSequence,
                    new Dictionary<string, ulong>(_state.Dropped, StringComparer.Ordinal));
            }
        }
    }

    public void Append(ReadOnlySpan<byte> record, EventPriority priority)
    {
        if ((uint)priority >= SpoolState.Lanes)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "unknown event priority");
        }

        long frameLength = SpoolFrame.HeaderSize + (long)record.Length;
        if (record.Length > SpoolFrame.MaxPayload || frameLength > _options.MaxBytes)
        {
            CountDropped(TooLargeReason, 1);
            return;
        }

        // Pooled: the append path runs once per event and must not feed the GC.
        byte[] frame = ArrayPool<byte>.Shared.Rent((int)frameLength);
        try
        {
            uint payloadCrc = Crc32C.Compute(record);
            record.CopyTo(frame.AsSpan(SpoolFrame.HeaderSize));
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                SpoolLane lane = _lanes[(int)priority];
                SpoolSegment? segment = null;
                try
                {
                    if (!MakeRoom(frameLength, priority))
                    {
                        return;
                    }

                    segment = ActiveSegment(lane, frameLength);
                    SpoolFrame.WriteHeader(frame, record.Length, _nextCounter, payloadCrc);
                    RandomAccess.Write(segment.Handle, frame.AsSpan(0, (int)frameLength), segment.Length);
                }
                catch (IOException)
                {
                    // Disk full or failing: cut a partial frame off and count the event, never throw at a
                    // collector. The count reaches the journal with its next successful write.
                    if (segment is not null)
                    {
                        TryTruncate(segment);
                    }

                    _state.AddDropped(WriteFailedReason, 1);
                    return;
                }

                _nextCounter++;
                segment.Length += frameLength;
                segment.Live++;
                segment.LiveBytes += frameLength;
                segment.Unbatched++;
                segment.UnbatchedBytes += frameLength;
                lane.UnbatchedEvents++;
                lane.UnbatchedBytes += frameLength;
                _liveEvents++;
                _liveBytes += frameLength;
                _diskBytes += frameLength;
                Synced(segment);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public void CountDropped(string reason, ulong events)
    {
        ValidateReason(reason);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _state.AddDropped(reason, events);
            JournalChange(null, null, _options.Fsync == FsyncPolicy.Always);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _flushTimer?.Dispose();
            try
            {
                if (_options.Fsync != FsyncPolicy.Never)
                {
                    FlushAllLocked();
                }
            }
            finally
            {
                foreach (SpoolLane lane in _lanes)
                {
                    lane.Segments.ForEach(s => s.Dispose());
                }

                _journal.Dispose();
                _lockFile.Dispose();
            }
        }
    }

    /// <summary>
    /// Frees room for a frame by dropping the oldest unbatched records of the lowest priority
    /// present. False (the incoming record counted as dropped) when only higher-priority or batched
    /// records could make room: they are worth more than the newcomer.
    /// </summary>
    private bool MakeRoom(long frameLength, EventPriority priority)
    {
        if (_liveBytes + frameLength <= _options.MaxBytes)
        {
            return true;
        }

        long droppable = 0;
        for (int i = 0; i <= (int)priority; i++)
        {
            droppable += _lanes[i].UnbatchedBytes;
        }

        ulong dropped = 0;
        bool fits = _liveBytes - droppable + frameLength <= _options.MaxBytes;
        while (fits && _liveBytes + frameLength > _options.MaxBytes)
        {
            SpoolLane? victim = Array.Find(_lanes, l => l.UnbatchedEvents > 0);
            if (victim is null || victim.Priority > priority || !TryLocateRecord(victim, out SpoolSegment segment, out long offset, out FrameHeader header))
            {
                fits = false;
                break;
            }

            ReleaseUnbatched(victim, segment, offset, header.FrameLength);
            dropped++;
        }

        dropped += fits ? 0UL : 1UL;
        _state.AddDropped(FullReason, dropped);
        JournalChange(null, null, _options.Fsync == FsyncPolicy.Always);
        DeleteDead();
        return fits;
    }

    private SpoolSegment ActiveSegment(SpoolLane lane, long frameLength)
    {
        if (lane.Active is { } active && active.Length > 0 && active.Length + frameLength > _options.SegmentBytes)
        {
            if (active.Dirty && _options.Fsync != FsyncPolicy.Never)
            {
                RandomAccess.FlushToDisk(active.Handle);
                active.Dirty = false;
                _dirty.Remove(active);
            }

            active.CloseHandle();
            lane.Active = null;
        }

        if (lane.Active is null)
        {
            uint number = lane.NextSegmentNumber++;
            string path = lane.SegmentPath(_options.Directory, number);
            var segment = new SpoolSegment(path, number, 0);
            segment.Adopt(SpoolFiles.CreateFile(path));
            lane.Segments.Add(segment);
            lane.Active = segment;
            DirectoryChanged();
        }

        return lane.Active;
    }

    private void JournalChange(KeyValuePair<ulong, RecordRef[]>? added, ulong? released, bool sync)
    {
        SyncCursors();
        _journal.Append(_state, added, released, sync);
    }

    private void SyncCursors()
    {
        for (int i = 0; i < SpoolState.Lanes; i++)
        {
            _state.Cursors[i] = _lanes[i].Cursor;
        }
    }

    private static void Validate(SpoolOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            throw new ArgumentException("SpoolOptions.Directory is empty", nameof(options));
        }

        if (options.SegmentBytes is < 4096 or > 1L << 30)
        {
            throw new ArgumentException($"SpoolOptions.SegmentBytes must be between 4 KiB and 1 GiB, was {options.SegmentBytes}", nameof(options));
        }

        if (options.MaxBytes < options.SegmentBytes)
        {
            throw new ArgumentException($"SpoolOptions.MaxBytes ({options.MaxBytes}) is below SegmentBytes ({options.SegmentBytes})", nameof(options));
        }

        if (options.Fsync == FsyncPolicy.Interval && options.FsyncInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"SpoolOptions.FsyncInterval must be positive, was {options.FsyncInterval}", nameof(options));
        }
    }

    private static void ValidateReason(string reason)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 64)
        {
            throw new ArgumentException($"a drop reason must be 1..64 characters, was '{reason}'", nameof(reason));
        }
    }
}
