using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Spool;

/// <summary>File system details of the spool directory: owner-only modes and directory fsync.</summary>
internal static class SpoolFiles
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory 0700, or narrows an existing one to 0700: events may hold command lines.</summary>
    public static void PrepareDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        Directory.CreateDirectory(directory, DirectoryMode);
        File.SetUnixFileMode(directory, DirectoryMode);
    }

    /// <summary>Creates a new file 0600 (failing if it exists) and opens it for reading and writing.</summary>
    public static SafeFileHandle CreateFile(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode0600;
        }

        new FileStream(path, options).Dispose();
        return File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
    }

    /// <summary>Makes creations, renames and deletions in the directory durable (Linux; elsewhere a no-op).</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = LibC.open(directory, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"cannot open spool directory {directory} to sync it: errno {Marshal.GetLastPInvokeError()}");
        }

        using var handle = new SafeFd(fd);
        if (LibC.fsync(fd) != 0)
        {
            throw new IOException($"fsync of spool directory {directory} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
