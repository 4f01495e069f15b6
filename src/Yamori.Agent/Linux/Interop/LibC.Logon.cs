using System.Runtime.InteropServices;

namespace Yamori.Agent.Linux.Interop;

internal static partial class LibC
{
    /// <summary>File identity (device, inode, size) for tailing logs across rotation; nested to avoid clashes with other areas.</summary>
    internal static partial class Logon
    {
        /// <summary>Size of <c>struct stat</c> on x86_64 (aarch64's is smaller); offsets below are the same on both.</summary>
        internal const int StatSize = 144;
        internal const int StDevOffset = 0;
        internal const int StInoOffset = 8;
        internal const int StSizeOffset = 48;

        [LibraryImport(Lib, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int Stat(string path, byte* buffer);

        [LibraryImport(Lib, EntryPoint = "fstat", SetLastError = true)]
        internal static unsafe partial int FStat(SafeHandle fd, byte* buffer);
    }
}
