using Microsoft.Win32.SafeHandles;

namespace Yamori.Agent.Spool;

/// <summary>
/// Opening: replay the journal, then scan every segment once, checking every frame's CRCs. Torn
/// tails are truncated; damaged regions in the middle are counted under "spool_corrupt" and
/// overwritten by a tombstone so that the next open does not count them again.
/// </summary>
public sealed partial class SegmentSpool
{
    /// <summary>What the last open found and repaired; for tests and the startup log.</summary>
    internal SpoolRecovery Recovery { get; private set; } = new(0, 0, 0);

    private void Recover()
    {
        _state = _journal.Load(out ulong damagedEntries);
        var batched = new HashSet<RecordRef>();
        foreach (RecordRef[] refs in _state.Batches.Values)
        {
            batched.UnionWith(refs);
        }

        var found = new HashSet<RecordRef>();
        var damaged = new List<(RecordRef Start, long End)>();
        var repairs = new List<Repair>();
        ulong corrupt = damagedEntries;
        long tornBytes = 0;
        ulong maxCounter = 0;

        foreach (SpoolLane lane in _lanes)
        {
            byte laneId = (byte)lane.Priority;
            lane.Cursor = _state.Cursors[laneId];
            var numbers = new List<uint>();
            foreach (string path in Directory.EnumerateFiles(_options.Directory, lane.Name + "-*.seg"))
            {
                if (lane.TryParseSegmentName(Path.GetFileName(path), out uint n))
                {
                    numbers.Add(n);
                }
            }

            numbers.Sort();
            lane.NextSegmentNumber = Math.Max(numbers.Count > 0 ? numbers[^1] : 0, lane.Cursor.Segment) + 1;
            for (int i = 0; i < numbers.Count; i++)
            {
                bool last = i == numbers.Count - 1;
                var segment = new SpoolSegment(lane.SegmentPath(_options.Directory, numbers[i]), numbers[i], 0);
                SafeFileHandle file = segment.Handle;
                long length = RandomAccess.GetLength(file);
                long offset = 0;
                while (true)
                {
                    FrameStatus status = SpoolFrame.Check(file, offset, length, out FrameHeader header);
                    if (status == FrameStatus.End)
                    {
                        break;
                    }

                    if (status == FrameStatus.Ok)
                    {
                        if (!header.Tombstone)
                        {
                            var here = new RecordRef(laneId, segment.Number, (uint)offset, (uint)header.FrameLength);
                            bool unbatched = new SpoolPosition(segment.Number, offset) >= lane.Cursor;
                            if (unbatched || batched.Contains(here))
                            {
                                segment.Live++;
                                segment.LiveBytes += header.FrameLength;
                                if (unbatched)
                                {
                                    segment.Unbatched++;
                                    segment.UnbatchedBytes += header.FrameLength;
                                }
                                found.Add(here);
                            }

                            maxCounter = Math.Max(maxCounter, header.Counter);
                        }

                        offset += header.FrameLength;
                        continue;
                    }

                    long end = status == FrameStatus.BadPayload ? offset + header.FrameLength : SpoolFrame.FindNext(file, offset + 1, length);
                    if (end < 0)
                    {
                        // Nothing valid follows: a write cut short by kill -9 or power loss. In the last
                        // segment that is the append that never returned; before it, records were lost.
                        corrupt += !last && new SpoolPosition(segment.Number, length) > lane.Cursor ? 1UL : 0UL;
                        tornBytes += length - offset;
                        repairs.Add(new Repair(segment, offset, -1));
                        length = offset;
                        break;
                    }

                    // Before the cursor everything not in a batch is released already: damage there
                    // loses nothing more (batched records in it are counted below, one by one).
                    if (new SpoolPosition(segment.Number, end) > lane.Cursor)
                    {
                        corrupt++;
                        damaged.Add((new RecordRef(laneId, segment.Number, (uint)offset, 0), end));
                    }

                    if (end - offset >= SpoolFrame.HeaderSize)
                    {
                        repairs.Add(new Repair(segment, offset, end - offset));
                    }

                    offset = end;
                }

                segment.Length = length;
                lane.UnbatchedEvents += segment.Unbatched;
                lane.UnbatchedBytes += segment.UnbatchedBytes;
                lane.Segments.Add(segment);
            }
        }

        foreach ((ulong sequence, RecordRef[] refs) in _state.Batches.ToList())
        {
            // A batched record that is gone (damaged, or its segment lost with the power) leaves its
            // batch; counted once, unless the damaged region holding it was counted already.
            RecordRef[] kept = Array.FindAll(refs, found.Contains);
            if (kept.Length != refs.Length)
            {
                foreach (RecordRef missing in refs.Where(r => !found.Contains(r)))
                {
                    bool counted = damaged.Exists(d => d.Start.Lane == missing.Lane && d.Start.Segment == missing.Segment
                        && missing.Offset >= d.Start.Offset && missing.Offset < d.End);
                    corrupt += counted ? 0UL : 1UL;
                }

                _state.Batches[sequence] = kept;
            }
        }

        _state.AddDropped(CorruptReason, corrupt);
        _nextCounter = maxCounter + 1;

        // Counts first, repairs second: a crash in between recounts a region rather than forgetting it.
        _journal.WriteSnapshot(_state);
        foreach (Repair repair in repairs)
        {
            if (repair.Length < 0)
            {
                RandomAccess.SetLength(repair.Segment.Handle, repair.Offset);
            }
            else
            {
                SpoolFrame.WriteTombstone(repair.Segment.Handle, repair.Offset, repair.Length);
            }

            RandomAccess.FlushToDisk(repair.Segment.Handle);
        }

        foreach (SpoolLane lane in _lanes)
        {
            foreach (SpoolSegment segment in lane.Segments.ToList())
            {
                _liveEvents += segment.Live;
                _liveBytes += segment.LiveBytes;
                _diskBytes += segment.Length;
                MarkIfDead(lane, segment);
            }

            if (lane.Segments.Count > 0 && lane.Segments[^1].Length < _options.SegmentBytes)
            {
                lane.Active = lane.Segments[^1];
            }

            foreach (SpoolSegment segment in lane.Segments)
            {
                if (segment != lane.Active)
                {
                    segment.CloseHandle();
                }
            }
        }

        Recovery = new SpoolRecovery(corrupt, tornBytes, repairs.Count);
    }

    private readonly record struct Repair(SpoolSegment Segment, long Offset, long Length);
}

/// <summary>Damaged regions and batched records counted, torn bytes truncated, repairs written.</summary>
internal sealed record SpoolRecovery(ulong Corrupt, long TornBytes, int Repairs);
