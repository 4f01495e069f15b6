using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Yamori.Agent.Linux.Interop;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Response;

/// <summary>Settings of <see cref="CollectHandler"/>.</summary>
public sealed record CollectOptions
{
    /// <summary>The largest file the agent uploads (100 MiB). A command's <c>max_bytes</c> can only lower it.</summary>
    public long MaxBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>
    /// Where the file is copied while it is hashed (in the agent's data dir, owner-only). The upload
    /// reads this copy, so what the cloud receives is exactly what was hashed even if the original
    /// changes meanwhile.
    /// </summary>
    public required string StagingDirectory { get; init; }

    /// <summary>
    /// Directories never collected: the agent's own data (its device key would let whoever holds it
    /// act as this device).
    /// </summary>
    public IReadOnlyList<string> ProtectedDirectories { get; init; } = [];
}

/// <summary>
/// Collects one regular file on Linux: opened without following any symlink (in any path component),
/// checked on the open descriptor (regular file, within the cap), copied to a staging file while
/// SHA-256 is computed, then uploaded in chunks by <see cref="IFileUploader"/>.
/// </summary>
/// <remarks>Args: <c>path</c> (absolute), optionally <c>max_bytes</c>.</remarks>
[SupportedOSPlatform("linux")]
public sealed class CollectHandler : ICommandHandler
{
    private const int BufferSize = 128 * 1024;
    private readonly IFileUploader _uploader;
    private readonly CollectOptions _options;

    public CollectHandler(IFileUploader uploader, CollectOptions options)
    {
        ArgumentNullException.ThrowIfNull(uploader);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBytes);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.StagingDirectory);
        _uploader = uploader;
        _options = options;
    }

    public CommandKind Kind => CommandKind.Collect;

    public async Task<CommandOutcome> ExecuteAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!CommandArgs.TryGetRequired(request, "path", out string rawPath, out CommandOutcome? rejection)
            || !CommandArgs.TryGetInt64(request, "max_bytes", required: false, out long? maxArg, out rejection))
        {
            return rejection!;
        }

        if (rawPath.Contains('\0', StringComparison.Ordinal) || !Path.IsPathFullyQualified(rawPath))
        {
            return CommandOutcome.Rejected($"argument 'path' must be an absolute path: '{CommandArgs.Shorten(rawPath)}'");
        }

        // Lexical normalisation equals the kernel's walk here because the open refuses every symlink.
        string path = Path.GetFullPath(rawPath);
        if (IsUnder(path, "/proc") || IsUnder(path, "/sys") || IsUnder(path, "/dev"))
        {
            // Opening some devices acts on the hardware (a watchdog arms, a tape rewinds), before any type check.
            return CommandOutcome.Rejected($"'{path}' is under /proc, /sys or /dev (kernel pseudo-files and devices); not collected");
        }

        foreach (string protectedDirectory in _options.ProtectedDirectories)
        {
            if (IsUnder(path, protectedDirectory.TrimEnd('/')))
            {
                return CommandOutcome.Rejected($"'{path}' is in the agent's own data directory (identity, spool); not collected");
            }
        }

        long cap = maxArg is { } m && m > 0 ? Math.Min(m, _options.MaxBytes) : _options.MaxBytes;

        using SafeFd fd = LibC.OpenNoFollow(path);
        if (fd.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                LibC.Rsp.ELOOP or LibC.Rsp.EXDEV => CommandOutcome.Rejected($"'{path}' is or passes through a symbolic link; collect never follows links"),
                LibC.Rsp.ENOENT => CommandOutcome.Failed($"'{path}' does not exist"),
                _ => CommandOutcome.Failed($"cannot open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }

        if (!LibC.FdStat(fd, out ushort mode, out ulong size))
        {
            return CommandOutcome.Failed($"cannot stat '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        if ((mode & LibC.Rsp.S_IFMT) != LibC.Rsp.S_IFREG)
        {
            return CommandOutcome.Rejected($"'{path}' is not a regular file ({Describe(mode)}); not collected");
        }

        if (size > (ulong)cap)
        {
            return CommandOutcome.Failed(Oversize(path, size.ToString(CultureInfo.InvariantCulture), cap));
        }

        using var handle = new SafeFileHandle(fd.DangerousGetHandle(), ownsHandle: true);
        fd.SetHandleAsInvalid();

        Directory.CreateDirectory(_options.StagingDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string stagingPath = Path.Combine(_options.StagingDirectory, $"collect-{Guid.NewGuid():N}.part");
        await using var staging = new FileStream(stagingPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });

        (long length, string? sha256) = await CopyHashedAsync(handle, staging, cap, cancellationToken).ConfigureAwait(false);
        if (sha256 is null)
        {
            return CommandOutcome.Failed(Oversize(path, "more than " + cap.ToString(CultureInfo.InvariantCulture) + " (it grew while being read)", cap));
        }

        staging.Position = 0;
        try
        {
            await _uploader.UploadAsync(request.Id, Path.GetFileName(path), staging, length, sha256, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return CommandOutcome.Failed($"collected '{path}' ({length} bytes, sha256 {sha256}) but the upload failed: {e.Message}");
        }

        return new CommandOutcome(CommandStatus.Succeeded, $"collected '{path}': {length} bytes, sha256 {sha256}", null, sha256, (ulong)length);
    }

    /// <summary>Copies at most <paramref name="cap"/> bytes; a null hash means the file held more.</summary>
    private static async Task<(long Length, string? Sha256)> CopyHashedAsync(SafeFileHandle source, FileStream staging, long cap, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[BufferSize];
        long offset = 0;
        while (true)
        {
            int n = await RandomAccess.ReadAsync(source, buffer, offset, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            offset += n;
            if (offset > cap)
            {
                return (offset, null);
            }

            hash.AppendData(buffer, 0, n);
            await staging.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        }

        await staging.FlushAsync(cancellationToken).ConfigureAwait(false);
        return (offset, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static string Oversize(string path, string size, long cap) =>
        string.Create(CultureInfo.InvariantCulture, $"'{path}' is {size} bytes, over the cap of {cap} bytes; not collected");

    private static bool IsUnder(string path, string root) =>
        path.Equals(root, StringComparison.Ordinal) || path.StartsWith(root + "/", StringComparison.Ordinal);

    private static string Describe(ushort mode) => (mode & LibC.Rsp.S_IFMT) switch
    {
        0x4000 => "a directory",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0x1000 => "a FIFO",
        0xC000 => "a socket",
        0xA000 => "a symbolic link",
        _ => "mode 0x" + mode.ToString("x4", CultureInfo.InvariantCulture),
    };
}
