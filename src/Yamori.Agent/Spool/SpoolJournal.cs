using Microsoft.Win32.SafeHandles;

namespace Yamori.Agent.Spool;

/// <summary>
/// The spool's small write-ahead journal: one framed entry per change of <see cref="SpoolState"/>
/// (a batch cut, an ack, a reject, drops, a sequence floor). Each entry carries the whole scalar
/// state (a few hundred bytes) plus the batches it adds or releases, so replay is "last scalars
/// win, batches accumulate". It is rewritten as a single snapshot entry on open and whenever it
/// grows past <see cref="CompactAt"/>, through a temporary file renamed over it.
/// </summary>
internal sealed class SpoolJournal : IDisposable
{
    public const string FileName = "spool.journal";
    private const long CompactAt = 1L << 20;
    private const byte SnapshotFlag = 1;

    private readonly string _directory;
    private readonly string _path;
    private readonly MemoryStream _entry = new();
    private readonly BinaryWriter _writer;
    private SafeFileHandle? _file;
    private long _length;
    private bool _failed;

    public SpoolJournal(string directory)
    {
        _directory = directory;
        _path = Path.Combine(directory, FileName);
        _writer = new BinaryWriter(_entry);
    }

    public bool Dirty { get; private set; }

    /// <summary>Replays the journal into a fresh state; damaged entries are counted in <paramref name="damaged"/>.</summary>
    public SpoolState Load(out ulong damaged)
    {
        var state = new SpoolState();
        damaged = 0;
        if (!File.Exists(_path))
        {
            return state;
        }

        using SafeFileHandle file = File.OpenHandle(_path, FileMode.Open, FileAccess.Read);
        long length = RandomAccess.GetLength(file);
        for (long offset = 0; offset < length;)
        {
            FrameStatus status = SpoolFrame.Check(file, offset, length, out FrameHeader header);
            if (status == FrameStatus.Ok)
            {
                if (!header.Tombstone)
                {
                    byte[] payload = new byte[header.Length];
                    SpoolFrame.ReadExactly(file, payload, offset + SpoolFrame.HeaderSize);
                    Apply(state, payload);
                }

                offset += header.FrameLength;
                continue;
            }

            if (status == FrameStatus.BadPayload)
            {
                damaged++;
                offset += header.FrameLength;
                continue;
            }

            // Damaged header: an entry in the middle is lost (counted); a torn last write is not an entry.
            long next = SpoolFrame.FindNext(file, offset + 1, length);
            if (next < 0)
            {
                break;
            }

            damaged++;
            offset = next;
        }

        return state;
    }

    /// <summary>Replaces the journal with one snapshot entry of <paramref name="state"/>; always synced.</summary>
    public void WriteSnapshot(SpoolState state)
    {
        string temp = _path + ".tmp";
        File.Delete(temp);
        long length;
        using (SafeFileHandle tmp = SpoolFiles.CreateFile(temp))
        {
            ReadOnlySpan<byte> frame = Encode(state, SnapshotFlag, state.Batches, null);
            RandomAccess.Write(tmp, frame, 0);
            RandomAccess.FlushToDisk(tmp);
            length = frame.Length;
        }

        // The old journal stays open and valid until the new one has taken its name.
        File.Move(temp, _path, overwrite: true);
        SafeFileHandle opened = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        _file?.Dispose();
        _file = opened;
        _length = length;
        Dirty = false;
        SpoolFiles.SyncDirectory(_directory);
    }

    /// <summary>Appends one change; <paramref name="sync"/> makes it durable before returning.</summary>
    public void Append(SpoolState state, KeyValuePair<ulong, RecordRef[]>? added, ulong? released, bool sync)
    {
        if (_length > CompactAt || _failed)
        {
            // After a failed write the entry it carried (a batch cut, say) is only in memory: a
            // snapshot carries everything, and replaces a journal that may end in half an entry.
            WriteSnapshot(state);
            _failed = false;
            return;
        }

        SafeFileHandle file = _file ?? throw new ObjectDisposedException(nameof(SpoolJournal));
        IEnumerable<KeyValuePair<ulong, RecordRef[]>> batches = added is { } a ? [a] : [];
        ReadOnlySpan<byte> frame = Encode(state, 0, batches, released);
        try
        {
            RandomAccess.Write(file, frame, _length);
        }
        catch (IOException)
        {
            _failed = true;
            throw;
        }

        _length += frame.Length;
        if (sync)
        {
            RandomAccess.FlushToDisk(file);
        }
        else
        {
            Dirty = true;
        }
    }

    public void Flush()
    {
        if (_file is { } file && Dirty)
        {
            Dirty = false;
            RandomAccess.FlushToDisk(file);
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _writer.Dispose();
    }

    private ReadOnlySpan<byte> Encode(SpoolState state, byte flags, IEnumerable<KeyValuePair<ulong, RecordRef[]>> batches, ulong? released)
    {
        _entry.SetLength(0);
        _entry.Write(stackalloc byte[SpoolFrame.HeaderSize]); // header written last, over this
        BinaryWriter w = _writer;
        w.Write(flags);
        w.Write(state.NextSequence);
        w.Write(state.AcknowledgedSequence);
        foreach (SpoolPosition cursor in state.Cursors)
        {
            w.Write(cursor.Segment);
            w.Write(cursor.Offset);
        }

        w.Write(state.Dropped.Count);
        foreach ((string reason, ulong count) in state.Dropped)
        {
            w.Write(reason);
            w.Write(count);
        }

        long countAt = _entry.Position;
        w.Write(0);
        int batchCount = 0;
        foreach ((ulong sequence, RecordRef[] refs) in batches)
        {
            batchCount++;
            w.Write(sequence);
            w.Write(refs.Length);
            foreach (RecordRef r in refs)
            {
                w.Write(r.Lane);
                w.Write(r.Segment);
                w.Write(r.Offset);
                w.Write(r.FrameLength);
            }
        }

        w.Write(released.HasValue);
        w.Write(released.GetValueOrDefault());
        w.Flush();
        Span<byte> buffer = _entry.GetBuffer().AsSpan(0, (int)_entry.Length);
        BitConverter.TryWriteBytes(buffer[(int)countAt..], batchCount);
        Span<byte> payload = buffer[SpoolFrame.HeaderSize..];
        SpoolFrame.WriteHeader(buffer, payload.Length, 0, Crc32C.Compute(payload));
        return buffer;
    }

    private static void Apply(SpoolState state, byte[] payload)
    {
        using var r = new BinaryReader(new MemoryStream(payload, writable: false));
        byte flags = r.ReadByte();
        state.NextSequence = r.ReadUInt64();
        state.AcknowledgedSequence = r.ReadUInt64();
        for (int lane = 0; lane < SpoolState.Lanes; lane++)
        {
            state.Cursors[lane] = new SpoolPosition(r.ReadUInt32(), r.ReadInt64());
        }

        state.Dropped.Clear();
        for (int i = r.ReadInt32(); i > 0; i--)
        {
            string reason = r.ReadString();
            state.Dropped[reason] = r.ReadUInt64();
        }

        if ((flags & SnapshotFlag) != 0)
        {
            state.Batches.Clear();
        }

        for (int i = r.ReadInt32(); i > 0; i--)
        {
            ulong sequence = r.ReadUInt64();
            var refs = new RecordRef[r.ReadInt32()];
            for (int k = 0; k < refs.Length; k++)
            {
                refs[k] = new RecordRef(r.ReadByte(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32());
            }

            state.Batches[sequence] = refs;
        }

        if (r.ReadBoolean())
        {
            state.Batches.Remove(r.ReadUInt64());
        }

        while (state.Batches.Count > 0 && state.Batches.First().Key <= state.AcknowledgedSequence)
        {
            state.Batches.Remove(state.Batches.First().Key);
        }
    }
}
