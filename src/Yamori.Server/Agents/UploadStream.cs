using Grpc.Core;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Server.Agents;

/// <summary>
/// The data of an upload's chunks as one read-only stream, so the response service hashes and
/// stores it while it arrives instead of buffering the whole file.
/// </summary>
internal sealed class UploadStream(FileChunk first, IAsyncStreamReader<FileChunk> rest, CancellationToken callCancelled) : Stream
{
    private const int MaxChunkBytes = 1 << 20;

    private ReadOnlyMemory<byte> _current = Check(first).Data.Memory;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_current.IsEmpty)
        {
            if (_ended)
            {
                return 0;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callCancelled);
            if (!await rest.MoveNext(linked.Token))
            {
                _ended = true;
                return 0;
            }

            FileChunk next = Check(rest.Current);
            if (next.Data.IsEmpty)
            {
                // Only the first chunk may be empty (an empty file): endless empty chunks would hold the upload open forever.
                throw new RpcException(new Status(StatusCode.InvalidArgument, "a chunk after the first carries no data"));
            }

            _current = next.Data.Memory;
        }

        int n = Math.Min(buffer.Length, _current.Length);
        _current[..n].CopyTo(buffer);
        _current = _current[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("uploads are read asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static FileChunk Check(FileChunk chunk) => chunk.Data.Length <= MaxChunkBytes
        ? chunk
        : throw new RpcException(new Status(StatusCode.InvalidArgument, $"a chunk carries {chunk.Data.Length} bytes; at most {MaxChunkBytes} are allowed"));
}
