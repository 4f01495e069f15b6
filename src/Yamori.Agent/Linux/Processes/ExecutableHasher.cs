using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// SHA-256 of executables in Sysmon's "SHA256=&lt;HEX&gt;" form, cached by (device, inode, mtime,
/// size): the same binary run ten thousand times is hashed once, and a replaced binary (new inode
/// or mtime) is hashed again. Files above the size cap are not hashed (counted), so one huge binary
/// cannot stall the pipeline.
/// </summary>
internal sealed class ExecutableHasher(long maxBytes, int maxEntries = 8192)
{
    private readonly ConcurrentDictionary<FileIdentity, string> _cache = new();
    private long _skippedTooLarge;

    public long SkippedTooLarge => Interlocked.Read(ref _skippedTooLarge);

    public bool TryGetCached(in FileIdentity identity, out string? hashes) => _cache.TryGetValue(identity, out hashes);

    /// <summary>False for executables over the size cap (counted as skipped here, once per exec).</summary>
    public bool WouldHash(in FileIdentity identity)
    {
        if (identity.Size <= maxBytes)
        {
            return true;
        }

        Interlocked.Increment(ref _skippedTooLarge);
        return false;
    }

    /// <summary>Hashes the open file (from its start) and caches the result; null if unreadable or too large.</summary>
    public string? Compute(SafeFd fd, in FileIdentity identity)
    {
        if (_cache.TryGetValue(identity, out string? cached))
        {
            return cached;
        }

        if (identity.Size > maxBytes)
        {
            Interlocked.Increment(ref _skippedTooLarge);
            return null;
        }

        try
        {
            // A SafeFileHandle over the same descriptor, not owning it: the SafeFd closes it.
            using var handle = new SafeFileHandle(fd.DangerousGetHandle(), ownsHandle: false);
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            _ = SHA256.HashData(stream, digest);
            string text = "SHA256=" + Convert.ToHexString(digest);
            if (_cache.Count >= maxEntries)
            {
                _cache.Clear();
            }

            _cache[identity] = text;
            return text;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
