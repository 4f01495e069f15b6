using System.Security.Cryptography;
using Yamori.Agent.Response;

namespace Yamori.Agent.Tests.Response;

/// <summary>
/// A real <see cref="IFileUploader"/> that writes the upload as numbered chunk files in a directory,
/// as the cloud's receiving side would store them, checking length and hash on arrival. It is the
/// seam itself implemented in-process, not a stand-in for something external.
/// </summary>
internal sealed class DirectoryChunkUploader(string directory, int chunkSize = 256 * 1024) : IFileUploader
{
    public List<(string CommandId, string FileName, long Length, string Sha256, int Chunks)> Uploads { get; } = [];

    public async Task UploadAsync(string commandId, string fileName, Stream content, long length, string sha256, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[chunkSize];
        long total = 0;
        int index = 0;
        while (true)
        {
            int filled = 0;
            int n;
            while (filled < buffer.Length && (n = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += n;
            }

            if (filled == 0)
            {
                break;
            }

            await File.WriteAllBytesAsync(ChunkPath(commandId, index++), buffer.AsMemory(0, filled).ToArray(), cancellationToken);
            hash.AppendData(buffer, 0, filled);
            total += filled;
        }

        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (total != length || actual != sha256)
        {
            throw new InvalidDataException($"upload of {fileName} does not match: {total} bytes sha256 {actual}, announced {length} bytes sha256 {sha256}");
        }

        Uploads.Add((commandId, fileName, length, sha256, index));
    }

    /// <summary>The chunks of <paramref name="commandId"/> concatenated in order.</summary>
    public byte[] Reassemble(string commandId)
    {
        using var all = new MemoryStream();
        for (int i = 0; File.Exists(ChunkPath(commandId, i)); i++)
        {
            all.Write(File.ReadAllBytes(ChunkPath(commandId, i)));
        }

        return all.ToArray();
    }

    private string ChunkPath(string commandId, int index) => Path.Combine(directory, $"{commandId}.{index:D6}");
}
