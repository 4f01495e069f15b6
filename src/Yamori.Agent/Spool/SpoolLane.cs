using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Spool;

/// <summary>One segment file of a lane and what is still alive in it.</summary>
internal sealed class SpoolSegment(string path, uint number, long length) : IDisposable
{
    private SafeFileHandle? _handle;

    public string Path { get; } = path;

    public uint Number { get; } = number;

    /// <summary>Bytes written (the file may be longer only by a torn write that was truncated).</summary>
    public long Length { get; set; } = length;

    /// <summary>Records not yet released: unbatched, or in an unacknowledged batch.</summary>
    public long Live { get; set; }

    public long LiveBytes { get; set; }

    /// <summary>Of <see cref="Live"/>, the records not yet cut into a batch (at or after the lane cursor).</summary>
    public long Unbatched { get; set; }

    public long UnbatchedBytes { get; set; }

    public bool Dirty { get; set; }

    public SafeFileHandle Handle => _handle ??= File.OpenHandle(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);

    public void Adopt(SafeFileHandle handle) => _handle = handle;

    public void CloseHandle()
    {
        _handle?.Dispose();
        _handle = null;
    }

    public void Dispose() => CloseHandle();
}

/// <summary>
/// The records of one priority: segment files <c>{name}-{number}.seg</c> in append order and a
/// cursor before which every record is batched or released. Records after the cursor are the
/// lane's unbatched queue, oldest first; the spool never holds an index of them in memory.
/// </summary>
internal sealed class SpoolLane(EventPriority priority)
{
    public EventPriority Priority { get; } = priority;

    public string Name { get; } = priority switch
    {
        EventPriority.Low => "low",
        EventPriority.Normal => "normal",
        _ => "alert",
    };

    /// <summary>Ordered by <see cref="SpoolSegment.Number"/>.</summary>
    public List<SpoolSegment> Segments { get; } = [];

    public uint NextSegmentNumber { get; set; } = 1;

    public SpoolPosition Cursor { get; set; }

    public long UnbatchedEvents { get; set; }

    /// <summary>Frame bytes of the unbatched records: what drops in this lane could free.</summary>
    public long UnbatchedBytes { get; set; }

    /// <summary>The segment appends go to, when it is the last one and still open for writing.</summary>
    public SpoolSegment? Active { get; set; }

    public string SegmentPath(string directory, uint number) =>
        System.IO.Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{Name}-{number:D10}.seg"));

    public bool TryParseSegmentName(string fileName, out uint number)
    {
        number = 0;
        return fileName.StartsWith(Name + "-", StringComparison.Ordinal)
            && fileName.EndsWith(".seg", StringComparison.Ordinal)
            && uint.TryParse(fileName.AsSpan(Name.Length + 1, fileName.Length - Name.Length - 5), NumberStyles.None, CultureInfo.InvariantCulture, out number)
            && number > 0;
    }

    public SpoolSegment? Find(uint number)
    {
        int lo = 0, hi = Segments.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            uint n = Segments[mid].Number;
            if (n == number)
            {
                return Segments[mid];
            }

            if (n < number)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return null;
    }

    /// <summary>The first segment holding bytes at or after the cursor, and the offset there.</summary>
    public bool TryLocateCursor(out SpoolSegment segment, out long offset)
    {
        foreach (SpoolSegment s in Segments)
        {
            if (s.Number < Cursor.Segment)
            {
                continue;
            }

            long at = s.Number == Cursor.Segment ? Cursor.Offset : 0;
            if (at < s.Length)
            {
                segment = s;
                offset = at;
                return true;
            }
        }

        segment = null!;
        offset = 0;
        return false;
    }
}
