using System.Buffers;

namespace Yamori.Agent.Spool;

/// <summary>Cutting, re-reading, acknowledging and rejecting batches; releasing records and segments.</summary>
public sealed partial class SegmentSpool
{
    public SpooledBatch? TakeBatch(int maxEvents, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEvents);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var refs = new List<RecordRef>();
            var lengths = new List<int>();
            byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, 64 << 10));
            int used = 0;
            bool changed = false;
            try
            {
                while (refs.Count < maxEvents)
                {
                    SpoolLane lane;
                    SpoolSegment segment;
                    long offset;
                    FrameHeader header;
                    try
                    {
                        if (!NextRecord(out lane, out segment, out offset, out header))
                        {
                            break;
                        }
                    }
                    catch (IOException) when (refs.Count > 0)
                    {
                        // Records already taken are off the queue: cut them now rather than lose them;
                        // the next call meets the failure again with nothing taken and reports it.
                        break;
                    }

                    if (refs.Count > 0 && (long)used + header.Length > maxBytes)
                    {
                        break;
                    }

                    if (buffer.Length - used < header.Length)
                    {
                        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, used + header.Length));
                        buffer.AsSpan(0, used).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    Span<byte> payload = buffer.AsSpan(used, header.Length);
                    int read;
                    try
                    {
                        read = SpoolFrame.ReadExactly(segment.Handle, payload, offset + SpoolFrame.HeaderSize);
                    }
                    catch (IOException)
                    {
                        // An unreadable record (a bad sector) is damaged data like a CRC mismatch:
                        // counted and skipped, so it can neither stall delivery nor vanish uncounted.
                        read = -1;
                    }

                    if (read != header.Length || Crc32C.Compute(payload) != header.PayloadCrc)
                    {
                        ReleaseUnbatched(lane, segment, offset, header.FrameLength);
                        _state.AddDropped(CorruptReason, 1);
                        changed = true;
                        continue;
                    }

                    refs.Add(new RecordRef((byte)lane.Priority, segment.Number, (uint)offset, (uint)header.FrameLength));
                    lengths.Add(header.Length);
                    Consume(lane, segment, offset, header.FrameLength);
                    used += header.Length;
                }

                if (refs.Count == 0)
                {
                    if (changed)
                    {
                        JournalChange(null, null, _options.Fsync == FsyncPolicy.Always);
                        DeleteDead();
                    }

                    return null;
                }

                ulong sequence = _state.NextSequence++;
                RecordRef[] manifest = [.. refs];
                _state.Batches[sequence] = manifest;

                // The manifest must never name records the disk does not have: data first, then the cut.
                bool sync = _options.Fsync != FsyncPolicy.Never;
                if (sync)
                {
                    FlushAllLocked();
                }

                JournalChange(new KeyValuePair<ulong, RecordRef[]>(sequence, manifest), null, sync);
                DeleteDead();
                CloseHandlesBehindCursors();
                return new SpooledBatch(sequence, Slice(buffer.AsSpan(0, used).ToArray(), lengths));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public IReadOnlyList<SpooledBatch> Unacknowledged()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var batches = new List<SpooledBatch>(_state.Batches.Count);
            bool changed = false;
            foreach ((ulong sequence, RecordRef[] refs) in _state.Batches.ToList())
            {
                byte[] all = new byte[refs.Sum(r => (long)r.FrameLength - SpoolFrame.HeaderSize)];
                var lengths = new List<int>(refs.Length);
                var kept = new List<RecordRef>(refs.Length);
                int used = 0;
                foreach (RecordRef r in refs)
                {
                    int length = (int)r.FrameLength - SpoolFrame.HeaderSize;
                    if (ReadBatched(r, all.AsSpan(used, length)))
                    {
                        kept.Add(r);
                        lengths.Add(length);
                        used += length;
                    }
                    else
                    {
                        // Damaged since it was cut (the disk, not the spool): it leaves the batch, counted.
                        ReleaseBatched(r);
                        _state.AddDropped(CorruptReason, 1);
                        changed = true;
                    }
                }

                if (kept.Count != refs.Length)
                {
                    _state.Batches[sequence] = [.. kept];
                }

                batches.Add(new SpooledBatch(sequence, Slice(all, lengths)));
            }

            if (changed)
            {
                SyncCursors();
                _journal.WriteSnapshot(_state);
                DeleteDead();
            }

            return batches;
        }
    }

    public void Acknowledge(ulong sequence)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CheckAssigned(sequence);
            if (sequence <= _state.AcknowledgedSequence)
            {
                return;
            }

            _state.AcknowledgedSequence = sequence;
            while (_state.Batches.Count > 0 && _state.Batches.First() is { } first && first.Key <= sequence)
            {
                _state.Batches.Remove(first.Key);
                Array.ForEach(first.Value, ReleaseBatched);
            }

            // Journal before deleting: a crash in between must not leave acknowledged records looking lost.
            JournalChange(null, null, _options.Fsync == FsyncPolicy.Always);
            DeleteDead();
        }
    }

    public void Reject(ulong sequence, string reason)
    {
        ValidateReason(reason);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CheckAssigned(sequence);
            if (!_state.Batches.Remove(sequence, out RecordRef[]? refs))
            {
                return; // already acknowledged or rejected: rejecting twice must not count twice
            }

            Array.ForEach(refs, ReleaseBatched);
            _state.AddDropped(reason, (ulong)refs.Length);
            JournalChange(null, sequence, _options.Fsync == FsyncPolicy.Always);
            DeleteDead();
        }
    }

    /// <summary>
    /// Besides moving the numbering on, renumbers batches still waiting (in order, from
    /// <paramref name="watermark"/> + 1): they were cut after the spool was reset, and under their
    /// old numbers the cloud would take them for re-sends of batches it already has.
    /// </summary>
    public void EnsureSequenceAbove(ulong watermark)
    {
        if (watermark == ulong.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(watermark), watermark, "no sequence can follow this watermark");
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state.NextSequence > watermark)
            {
                return;
            }

            List<RecordRef[]> waiting = [.. _state.Batches.Values];
            _state.Batches.Clear();
            ulong next = watermark + 1;
            foreach (RecordRef[] refs in waiting)
            {
                _state.Batches[next++] = refs;
            }

            _state.NextSequence = next;
            _state.AcknowledgedSequence = Math.Max(_state.AcknowledgedSequence, watermark);
            SyncCursors();
            _journal.WriteSnapshot(_state);
        }
    }

    /// <summary>The oldest unbatched record to send next: alerts first, then the lowest append counter.</summary>
    private bool NextRecord(out SpoolLane lane, out SpoolSegment segment, out long offset, out FrameHeader header)
    {
        lane = _lanes[^1];
        if (TryLocateRecord(lane, out segment, out offset, out header))
        {
            return true;
        }

        bool found = false;
        for (int i = _lanes.Length - 2; i >= 0; i--)
        {
            if (TryLocateRecord(_lanes[i], out SpoolSegment s, out long o, out FrameHeader h) && (!found || h.Counter < header.Counter))
            {
                (lane, segment, offset, header, found) = (_lanes[i], s, o, h, true);
            }
        }

        return found;
    }

    private bool ReadBatched(RecordRef r, Span<byte> payload)
    {
        SpoolSegment? segment = _lanes[r.Lane].Find(r.Segment);
        Span<byte> raw = stackalloc byte[SpoolFrame.HeaderSize];
        return segment is not null
            && SpoolFrame.ReadExactly(segment.Handle, raw, r.Offset) == SpoolFrame.HeaderSize
            && SpoolFrame.TryParseHeader(raw, out FrameHeader header)
            && !header.Tombstone
            && header.Length == payload.Length
            && SpoolFrame.ReadExactly(segment.Handle, payload, r.Offset + SpoolFrame.HeaderSize) == payload.Length
            && Crc32C.Compute(payload) == header.PayloadCrc;
    }

    private void CheckAssigned(ulong sequence)
    {
        if (sequence >= _state.NextSequence)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"sequence {sequence} was never assigned (last assigned is {_state.NextSequence - 1})");
        }
    }

    private static ReadOnlyMemory<byte>[] Slice(byte[] all, List<int> lengths)
    {
        var records = new ReadOnlyMemory<byte>[lengths.Count];
        int at = 0;
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = new ReadOnlyMemory<byte>(all, at, lengths[i]);
            at += lengths[i];
        }

        return records;
    }
}
