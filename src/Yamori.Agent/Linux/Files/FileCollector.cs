using System.Runtime.InteropServices;
using Yamori.Agent.Linux.Interop;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Linux.Files;

/// <summary>
/// File events (create, modify, delete, rename) in configured directories, with the acting
/// process, from fanotify in FID mode (FAN_REPORT_DFID_NAME): the kernel reports the directory's
/// file handle and the entry name, which the collector resolves to paths. Needs CAP_SYS_ADMIN
/// (fanotify_init) and CAP_DAC_READ_SEARCH (open_by_handle_at), i.e. root.
/// Events are SigmaHQ <c>file_event</c>: TargetFilename, Image, ProcessId, User, EventType
/// ("create", "modify", "delete", "rename"), SourceFilename (rename), ModifyCount (modify).
/// </summary>
public sealed partial class FileCollector : ICollector
{
    private const ulong MarkMask =
        LibC.Fanotify.FAN_CREATE | LibC.Fanotify.FAN_DELETE | LibC.Fanotify.FAN_RENAME | LibC.Fanotify.FAN_MODIFY |
        LibC.Fanotify.FAN_EVENT_ON_CHILD | LibC.Fanotify.FAN_ONDIR;

    private const int AtFdCwd = -100;

    private readonly FileCollectorOptions _options;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _unwatched = [];
    private readonly List<Root> _roots = [];
    private int _started;
    private long _overflows;
    private long _published;
    private long _shed;
    private long _unresolved;
    private long _marksPlaced;

    public FileCollector(FileCollectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public string Name => "file";

    /// <summary>Times the kernel's event queue overflowed (FAN_Q_OVERFLOW): events were lost in the kernel.</summary>
    public long Overflows => Interlocked.Read(ref _overflows);

    /// <summary>Events handed to the sink and accepted.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Events the sink refused (resource governor); the sink counts them too.</summary>
    public long Shed => Interlocked.Read(ref _shed);

    /// <summary>Events dropped because their directory handle no longer resolves to a path.</summary>
    public long Unresolved => Interlocked.Read(ref _unresolved);

    /// <summary>fanotify marks placed on directories (configured ones and, when recursive, subdirectories; a directory moved within the tree is marked again).</summary>
    public long MarksPlaced => Interlocked.Read(ref _marksPlaced);

    /// <summary>Configured directories that could not be watched, each with the reason.</summary>
    public IReadOnlyList<string> UnwatchedDirectories
    {
        get
        {
            lock (_unwatched)
            {
                return [.. _unwatched];
            }
        }
    }

    /// <summary>Completes once the marks are in place (events from then on are seen); faults if start fails.</summary>
    public Task Ready => _ready.Task;

    public Task RunAsync(ITelemetrySink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a FileCollector runs once; create a new one to restart");
        }

        // A dedicated thread: the loop blocks in poll(2) and must not hold a pool thread.
        return Task.Factory.StartNew(() => Run(sink, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(ITelemetrySink sink, CancellationToken cancellationToken)
    {
        try
        {
            RunCore(sink, cancellationToken);
        }
        catch (Exception ex)
        {
            _ready.TrySetException(ex);
            throw;
        }
    }

    private unsafe void RunCore(ITelemetrySink sink, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new CollectorUnavailableException("the fanotify file collector runs on Linux only");
        }

        int fan = LibC.Fanotify.Init(
            LibC.Fanotify.FAN_CLASS_NOTIF | LibC.Fanotify.FAN_CLOEXEC | LibC.Fanotify.FAN_NONBLOCK |
            LibC.Fanotify.FAN_REPORT_DFID_NAME | LibC.Fanotify.FAN_UNLIMITED_MARKS,
            LibC.Fanotify.O_RDONLY | LibC.Fanotify.O_LARGEFILE | LibC.Fanotify.O_CLOEXEC);
        if (fan < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new CollectorUnavailableException(errno == LibC.Fanotify.EPERM
                ? "fanotify_init refused (EPERM): the file collector needs root (CAP_SYS_ADMIN)"
                : $"fanotify_init with FAN_REPORT_DFID_NAME failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); kernel 5.17 or later is needed");
        }

        using var fanFd = new SafeFd(fan);
        int ev = LibC.Fanotify.EventFd(0, LibC.Fanotify.EFD_CLOEXEC | LibC.Fanotify.EFD_NONBLOCK);
        if (ev < 0)
        {
            throw new CollectorUnavailableException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }

        using var wakeFd = new SafeFd(ev);
        using CancellationTokenRegistration registration = cancellationToken.Register(static s => Wake((SafeFd)s!), wakeFd);
        using var resolver = new DirectoryResolver();
        var state = new LoopState(sink, fanFd, resolver, new ProcessIdentity(_options.ImageFallback),
            new ModifyCoalescer(_options.ModifyCoalesceWindow, _options.MaxPendingModifications), Environment.ProcessId);

        foreach (WatchedDirectory d in _options.Directories)
        {
            AddRoot(state, d);
        }

        if (_roots.Count == 0)
        {
            throw new CollectorUnavailableException("no configured directory could be watched: " + string.Join("; ", UnwatchedDirectories));
        }

        _ready.TrySetResult();
        var fds = stackalloc LibC.Fanotify.PollFd[2];
        fds[0] = new LibC.Fanotify.PollFd { Fd = fanFd.Fd, Events = LibC.Fanotify.POLLIN };
        fds[1] = new LibC.Fanotify.PollFd { Fd = wakeFd.Fd, Events = LibC.Fanotify.POLLIN };
        while (!cancellationToken.IsCancellationRequested)
        {
            int timeout = -1;
            if (state.Coalescer.NextDueMs is long due)
            {
                timeout = (int)Math.Clamp(due - Environment.TickCount64, 0, int.MaxValue);
            }

            fds[0].REvents = 0;
            fds[1].REvents = 0;
            int n = LibC.Fanotify.Poll(fds, 2, timeout);
            if (n < 0 && Marshal.GetLastPInvokeError() != LibC.EINTR)
            {
                throw new IOException($"poll on the fanotify descriptor failed: errno {Marshal.GetLastPInvokeError()}");
            }

            if (n > 0 && (fds[0].REvents & LibC.Fanotify.POLLIN) != 0)
            {
                Drain(state);
            }

            EmitDue(state, Environment.TickCount64);
        }

        while (state.Coalescer.TakeAny() is { } pending)
        {
            EmitModify(state, pending);
        }
    }

    private static unsafe void Wake(SafeFd wakeFd)
    {
        ulong one = 1;
        bool added = false;
        try
        {
            wakeFd.DangerousAddRef(ref added);
            LibC.write(wakeFd.Fd, (byte*)&one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // The loop has already ended.
        }
        finally
        {
            if (added)
            {
                wakeFd.DangerousRelease();
            }
        }
    }

    private void AddRoot(LoopState state, WatchedDirectory configured)
    {
        string path = configured.Path.Length > 1 ? configured.Path.TrimEnd('/') : configured.Path;
        int fd = LibC.Fanotify.Open(path, LibC.Fanotify.O_PATH | LibC.Fanotify.O_DIRECTORY | LibC.Fanotify.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            AddUnwatched($"{configured.Path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            return;
        }

        string? real;
        using (var dir = new SafeFd(fd))
        {
            // Paths are compared in the form the kernel reports them: symlinks in the configured path resolved.
            real = DirectoryResolver.PathOf(fd) ?? path;
        }

        var root = new Root(real, configured.Recursive);
        if (!MarkDirectory(state, real, isRoot: true))
        {
            return;
        }

        _roots.Add(root);
        if (configured.Recursive)
        {
            MarkSubdirectories(state, real);
        }
    }

    private bool MarkDirectory(LoopState state, string path, bool isRoot)
    {
        // Not O_PATH: fanotify_mark refuses O_PATH descriptors (EBADF).
        int fd = LibC.Fanotify.Open(path, LibC.Fanotify.O_RDONLY | LibC.Fanotify.O_DIRECTORY | LibC.Fanotify.O_NOFOLLOW | LibC.Fanotify.O_CLOEXEC, 0);
        if (fd < 0)
        {
            if (isRoot)
            {
                AddUnwatched($"{path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            return false;
        }

        using var dir = new SafeFd(fd);
        if (LibC.Fanotify.Mark(state.Fan.Fd, LibC.Fanotify.FAN_MARK_ADD | LibC.Fanotify.FAN_MARK_ONLYDIR, MarkMask, dir.Fd, null) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (isRoot)
            {
                // EINVAL on every root: a kernel before 5.17, which has no FAN_RENAME (renames are reported as one event with both names).
                AddUnwatched($"{path}: fanotify_mark failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}){(errno == 22 ? "; the file collector needs kernel 5.17 or later (FAN_RENAME)" : "")}");
            }

            return false;
        }

        state.Resolver.Register(dir, path);
        Interlocked.Increment(ref _marksPlaced);
        return true;
    }

    private void MarkSubdirectories(LoopState state, string path)
    {
        var walk = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            ReturnSpecialDirectories = false,
        };
        try
        {
            foreach (string sub in Directory.EnumerateDirectories(path, "*", walk))
            {
                MarkDirectory(state, sub, isRoot: false);
            }
        }
        catch (IOException)
        {
            // The subtree changed while being walked; what was marked stays marked.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void AddUnwatched(string reason)
    {
        lock (_unwatched)
        {
            _unwatched.Add(reason);
        }
    }

    /// <summary>A configured directory in the form the kernel reports it.</summary>
    private sealed record Root(string Path, bool Recursive);

    private sealed record LoopState(
        ITelemetrySink Sink,
        SafeFd Fan,
        DirectoryResolver Resolver,
        ProcessIdentity Identity,
        ModifyCoalescer Coalescer,
        int OwnPid)
    {
        /// <summary>One read buffer for the collector's lifetime: fanotify reads go into it, events are parsed in place.</summary>
        public byte[] Buffer { get; } = new byte[64 * 1024];
    }
}
