using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// Reads a just-exec'd process's attributes from /proc, most perishable first (exe, cmdline),
/// into buffers owned by the receive loop: one set of buffers for the collector's lifetime.
/// </summary>
internal sealed class ProcessCapture(int maxCommandLineBytes, ExecutableHasher hasher)
{
    private readonly int _maxCommandLine = Math.Max(16, maxCommandLineBytes);
    private readonly byte[] _path = new byte[4096];
    private readonly byte[] _text = new byte[Math.Max(4096, Math.Max(16, maxCommandLineBytes))];
    private readonly StringPool _pool = new();

    /// <summary>Image path of a process (readlink /proc/&lt;pid&gt;/exe), pooled; null if gone.</summary>
    public string? ReadImage(int pid)
    {
        int n = ProcFs.ReadLink(pid, "exe"u8, _path);
        return n <= 0 ? null : _pool.Get(TrimDeleted(_path.AsSpan(0, n)));
    }

    /// <summary>The arguments joined by spaces, as Sigma's linux rules expect; null if gone or a zombie.</summary>
    public string? ReadCommandLine(int pid)
    {
        int n = ProcFs.ReadFile(pid, "cmdline"u8, _text.AsSpan(0, _maxCommandLine));
        LastCommandLineTruncated = n == _maxCommandLine;

        // Empty: a zombie (its memory, and so its arguments, already released) or a kernel thread.
        if (n <= 0)
        {
            return null;
        }

        Span<byte> args = _text.AsSpan(0, n);
        while (args.Length > 0 && args[^1] == 0)
        {
            args = args[..^1];
        }

        args.Replace((byte)0, (byte)' ');

        // Not pooled: command lines are mostly unique (arguments, temp names).
        return System.Text.Encoding.UTF8.GetString(args);
    }

    /// <summary>Whether the last command line read filled the buffer (was cut).</summary>
    public bool LastCommandLineTruncated { get; private set; }

    public void Fill(ProcessRecord record, ProcessTable table)
    {
        int pid = record.ProcessId;
        record.Image = ReadImage(pid);
        record.CommandLine = ReadCommandLine(pid);
        bool truncated = LastCommandLineTruncated;
        IdentifyExecutable(record);

        int n = ProcFs.ReadLink(pid, "cwd"u8, _path);
        if (n > 0)
        {
            record.CurrentDirectory = _pool.Get(_path.AsSpan(0, n));
        }

        n = ProcFs.ReadFile(pid, "status"u8, _text);
        if (n > 0)
        {
            ReadOnlySpan<byte> status = _text.AsSpan(0, n);
            if (ProcFs.TryStatusField(status, "PPid:"u8, out long ppid) && ppid > 0)
            {
                record.ParentProcessId = (int)ppid;
            }

            if (ProcFs.TryEffectiveUid(status, out uint uid))
            {
                record.Uid = uid;
            }
        }

        n = ProcFs.ReadFile(pid, "loginuid"u8, _text);
        if (n > 0 && System.Buffers.Text.Utf8Parser.TryParse(_text.AsSpan(0, n), out uint loginUid, out _) && loginUid != uint.MaxValue)
        {
            record.LoginUid = loginUid;
        }

        record.ProcGone = record.Image is null && record.CommandLine is null;

        // The kernel's fork event is the fallback when /proc/<pid>/status had gone.
        if (record.ParentProcessId < 0)
        {
            record.ParentProcessId = table.ParentOf(pid);
        }

        if (table.TryGet(pid, out _, out _, out string? comm))
        {
            record.Comm = comm;
        }

        table.OnExec(pid, record.ParentProcessId, record.Image, record.CommandLine);
        FillParent(record, table);
        LastCommandLineTruncated = truncated;
    }

    private void FillParent(ProcessRecord record, ProcessTable table)
    {
        int ppid = record.ParentProcessId;
        if (ppid <= 0)
        {
            return;
        }

        if (table.TryGet(ppid, out string? image, out string? commandLine, out _) && image is not null)
        {
            record.ParentImage = image;
            record.ParentCommandLine = commandLine;
            return;
        }

        // A parent that started before the collector: read it once, then it is known.
        record.ParentImage = ReadImage(ppid);
        record.ParentCommandLine = ReadCommandLine(ppid);
        if (record.ParentImage is not null)
        {
            table.Learn(ppid, record.ParentImage, record.ParentCommandLine);
        }
    }

    private void IdentifyExecutable(ProcessRecord record)
    {
        SafeFd? exe = ProcFs.OpenExe(record.ProcessId);
        if (exe is null)
        {
            return;
        }

        if (!ProcFs.TryIdentify(exe, out FileIdentity identity))
        {
            exe.Dispose();
            return;
        }

        record.ExeIdentity = identity;
        if (hasher.TryGetCached(identity, out string? hashes))
        {
            record.Hashes = hashes;
            exe.Dispose();
        }
        else if (!hasher.WouldHash(identity))
        {
            // Too large to hash: do not hold a descriptor per queued exec only to skip it later.
            exe.Dispose();
        }
        else
        {
            record.ExeToHash = exe;
        }
    }

    /// <summary>The kernel appends " (deleted)" to the exe link of a deleted binary; the path is what rules match.</summary>
    private static ReadOnlySpan<byte> TrimDeleted(ReadOnlySpan<byte> path) =>
        path.EndsWith(" (deleted)"u8) ? path[..^10] : path;
}
