using System.Runtime.InteropServices;

namespace Yamori.Agent.Linux.Interop;

/// <summary>
/// Path-as-bytes file calls for /proc: the process collector reads several /proc files per exec
/// and builds their NUL-terminated paths on the stack, which FileStream and File.ReadAllText
/// cannot do without allocating.
/// </summary>
internal static partial class LibC
{
    internal const int AT_FDCWD = -100;
    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_BASIC_STATS = 0x7ff;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int SC_CLK_TCK = 2;

    /// <summary>Size of <c>struct statx</c> (fixed across architectures, unlike <c>struct stat</c>).</summary>
    internal const int StatxSize = 256;

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true)]
    internal static unsafe partial int open(byte* path, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial nint readlink(byte* path, byte* buffer, nint size);

    internal const int EACCES = 13;

    /// <summary>Raw directory entries (struct linux_dirent64), without the stat per entry that .NET's enumerator makes.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial nint getdents64(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial int statx(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial long sysconf(int name);
}

/// <summary>Scheduling of the process collector's receive thread.</summary>
internal static partial class LibC
{
    internal const int PRIO_PROCESS = 0;

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int gettid();

    /// <summary>With PRIO_PROCESS and a thread id, Linux sets that one thread's nice value.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int setpriority(int which, uint who, int prio);
}

/// <summary>Real-time scheduling for the receive thread (opt-in).</summary>
internal static partial class LibC
{
    internal const int SCHED_RR = 2;

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial int sched_setscheduler(int pid, int policy, int* param);
}

/// <summary>Per-thread CPU time, for collectors' self-metrics.</summary>
internal static partial class LibC
{
    private const int CLOCK_THREAD_CPUTIME_ID = 3;

    [LibraryImport(Lib, SetLastError = true)]
    private static unsafe partial int clock_gettime(int clock, long* timespec);

    /// <summary>CPU time the calling thread has used, in nanoseconds (0 if unavailable).</summary>
    internal static unsafe long ThreadCpuNanoseconds()
    {
        long* ts = stackalloc long[2];
        return clock_gettime(CLOCK_THREAD_CPUTIME_ID, ts) == 0 ? (ts[0] * 1_000_000_000L) + ts[1] : 0;
    }
}
