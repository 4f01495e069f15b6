using Microsoft.Win32.SafeHandles;

namespace Yamori.Evtx.Decoding;

/// <summary>Where the file's bytes come from. Reads are positional; only the stream source needs a lock.</summary>
internal abstract class ChunkSource : IDisposable
{
    /// <summary>Total length, or -1 when unknown (a non-seekable stream).</summary>
    public abstract long Length { get; }

    /// <summary>True when reads may go backwards (so the file can be enumerated more than once).</summary>
    public virtual bool CanRewind => true;

    /// <summary>Reads up to <paramref name="dest"/>.Length bytes at <paramref name="offset"/>; fewer only at the end.</summary>
    public abstract int ReadAt(long offset, Span<byte> dest);

    /// <summary>The bytes at <paramref name="offset"/> without copying, when the source is in memory.</summary>
    public virtual bool TryGetMemory(long offset, int length, out ReadOnlyMemory<byte> memory)
    {
        memory = default;
        return false;
    }

    public virtual void Dispose()
    {
    }
}

internal sealed class MemorySource(ReadOnlyMemory<byte> data) : ChunkSource
{
    public override long Length => data.Length;

    public override int ReadAt(long offset, Span<byte> dest)
    {
        if (offset >= data.Length)
        {
            return 0;
        }

        int n = (int)Math.Min(dest.Length, data.Length - offset);
        data.Span.Slice((int)offset, n).CopyTo(dest);
        return n;
    }

    public override bool TryGetMemory(long offset, int length, out ReadOnlyMemory<byte> memory)
    {
        if (offset >= data.Length)
        {
            memory = ReadOnlyMemory<byte>.Empty;
            return true;
        }

        memory = data.Slice((int)offset, (int)Math.Min(length, data.Length - offset));
        return true;
    }
}

/// <summary>A file read with positional reads (thread-safe, no shared file position).</summary>
internal sealed class FileSource : ChunkSource
{
    private readonly SafeFileHandle _handle;

    public FileSource(string path)
    {
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Length = RandomAccess.GetLength(_handle);
    }

    public override long Length { get; }

    public override int ReadAt(long offset, Span<byte> dest)
    {
        int total = 0;
        while (total < dest.Length)
        {
            int n = RandomAccess.Read(_handle, dest[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    public override void Dispose() => _handle.Dispose();
}

/// <summary>A caller's stream: seekable streams are read under a lock; others strictly forward, once.</summary>
internal sealed class StreamSource(Stream stream, bool leaveOpen) : ChunkSource
{
    private readonly Lock _lock = new();
    private long _position;

    public override long Length => stream.CanSeek ? stream.Length : -1;

    public override bool CanRewind => stream.CanSeek;

    public override int ReadAt(long offset, Span<byte> dest)
    {
        lock (_lock)
        {
            if (stream.CanSeek)
            {
                stream.Position = offset;
            }
            else
            {
                if (offset < _position)
                {
                    throw new InvalidOperationException("this stream cannot seek: an EVTX file read from it can be enumerated once");
                }

                // Skip forward by reading.
                Span<byte> skip = stackalloc byte[4096];
                while (_position < offset)
                {
                    int n = stream.Read(skip[..(int)Math.Min(skip.Length, offset - _position)]);
                    if (n == 0)
                    {
                        return 0;
                    }

                    _position += n;
                }
            }

            int total = stream.ReadAtLeast(dest, dest.Length, throwOnEndOfStream: false);
            _position = offset + total;
            return total;
        }
    }

    public override void Dispose()
    {
        if (!leaveOpen)
        {
            stream.Dispose();
        }
    }
}
