namespace Yamori.Agent.Spool;

/// <summary>Walking a lane's unbatched records, releasing records, and deleting segments left with none.</summary>
public sealed partial class SegmentSpool
{
    /// <summary>The record at the lane's cursor, stepping over tombstones and over damage found since opening.</summary>
    private bool TryLocateRecord(SpoolLane lane, out SpoolSegment segment, out long offset, out FrameHeader header)
    {
        Span<byte> raw = stackalloc byte[SpoolFrame.HeaderSize];
        header = default;
        while (lane.UnbatchedEvents > 0)
        {
            if (!lane.TryLocateCursor(out segment, out offset))
            {
                break;
            }

            if (segment.Length - offset >= SpoolFrame.HeaderSize
                && SpoolFrame.ReadExactly(segment.Handle, raw, offset) == SpoolFrame.HeaderSize
                && SpoolFrame.TryParseHeader(raw, out header)
                && offset + header.FrameLength <= segment.Length)
            {
                if (!header.Tombstone)
                {
                    return true;
                }

                lane.Cursor = new SpoolPosition(segment.Number, offset + header.FrameLength);
                continue;
            }

            LoseRestOfSegment(lane, segment);
        }

        segment = null!;
        offset = 0;
        return false;
    }

    /// <summary>
    /// A header damaged after the open scan: the lengths after it cannot be trusted, so the
    /// segment's remaining unbatched records are given up and counted, exactly.
    /// </summary>
    private void LoseRestOfSegment(SpoolLane lane, SpoolSegment segment)
    {
        long lost = segment.Unbatched, lostBytes = segment.UnbatchedBytes;
        lane.Cursor = new SpoolPosition(segment.Number, segment.Length);
        lane.UnbatchedEvents -= lost;
        lane.UnbatchedBytes -= lostBytes;
        segment.Unbatched = 0;
        segment.UnbatchedBytes = 0;
        segment.Live -= lost;
        segment.LiveBytes -= lostBytes;
        _liveEvents -= lost;
        _liveBytes -= lostBytes;
        _state.AddDropped(CorruptReason, (ulong)Math.Max(lost, 1));
        if (lane.Active == segment)
        {
            lane.Active = null; // new records go to a segment whose frames can be walked
        }

        MarkIfDead(lane, segment);
    }

    /// <summary>The record at the cursor leaves the unbatched queue (cut into a batch, dropped, or damaged).</summary>
    private static void Consume(SpoolLane lane, SpoolSegment segment, long offset, long frameLength)
    {
        lane.Cursor = new SpoolPosition(segment.Number, offset + frameLength);
        lane.UnbatchedEvents--;
        lane.UnbatchedBytes -= frameLength;
        segment.Unbatched--;
        segment.UnbatchedBytes -= frameLength;
    }

    private void ReleaseUnbatched(SpoolLane lane, SpoolSegment segment, long offset, long frameLength)
    {
        Consume(lane, segment, offset, frameLength);
        ReleaseLive(lane, segment, frameLength);
    }

    private void ReleaseBatched(RecordRef r)
    {
        SpoolLane lane = _lanes[r.Lane];
        if (lane.Find(r.Segment) is { } segment)
        {
            ReleaseLive(lane, segment, r.FrameLength);
        }
    }

    private void ReleaseLive(SpoolLane lane, SpoolSegment segment, long frameLength)
    {
        segment.Live--;
        segment.LiveBytes -= frameLength;
        _liveEvents--;
        _liveBytes -= frameLength;
        MarkIfDead(lane, segment);
    }

    private void MarkIfDead(SpoolLane lane, SpoolSegment segment)
    {
        if (segment.Live == 0)
        {
            _dead.Add((lane, segment));
        }
    }

    /// <summary>Deletes segments with nothing live left; called only after the journal says so.</summary>
    private void DeleteDead()
    {
        foreach ((SpoolLane lane, SpoolSegment segment) in _dead)
        {
            if (segment.Live != 0 || !lane.Segments.Remove(segment))
            {
                continue;
            }

            if (lane.Active == segment)
            {
                lane.Active = null;
            }

            _dirty.Remove(segment);
            segment.Dispose();
            File.Delete(segment.Path);
            _diskBytes -= segment.Length;
            DirectoryChanged();
        }

        _dead.Clear();
    }

    /// <summary>Sealed segments the cursor has left are read again only for a re-send: no descriptor kept for them.</summary>
    private void CloseHandlesBehindCursors()
    {
        foreach (SpoolLane lane in _lanes)
        {
            foreach (SpoolSegment segment in lane.Segments)
            {
                if (segment.Number >= lane.Cursor.Segment)
                {
                    break;
                }

                if (segment != lane.Active)
                {
                    segment.CloseHandle();
                }
            }
        }
    }
}
