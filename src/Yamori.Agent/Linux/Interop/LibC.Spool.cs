using System.Runtime.InteropServices;

namespace Yamori.Agent.Linux.Interop;

/// <summary>Directory fsync for the spool: .NET cannot open a directory as a file handle.</summary>
internal static partial class LibC
{
    internal const int O_DIRECTORY = 0x10000;

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fsync(int fd);
}
