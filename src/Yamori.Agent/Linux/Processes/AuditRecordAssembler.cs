using System.Buffers.Text;
using System.Diagnostics;
using System.Text;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// Turns the audit subsystem's text records into execs. An event is several records (SYSCALL,
/// EXECVE, CWD, PATH…, PROCTITLE) sharing the serial of <c>audit(sec.msec:serial)</c> and ending
/// with EOE; events of different CPUs interleave, so a few groups are open at once. Single
/// threaded (the feed's receive thread). Per-record code works on spans over the one receive
/// buffer and reuses its group slots: at thousands of execs a second, each record costing a
/// string split or LINQ would be most of the feed's CPU.
/// </summary>
internal sealed class AuditRecordAssembler
{
    public const ushort Syscall = 1300;
    public const ushort Cwd = 1307;
    public const ushort Execve = 1309;
    public const ushort Eoe = 1320;
    public const ushort Proctitle = 1327;

    private static readonly ExecRule[] ExecRules = KnownExecRules();

    private readonly Group[] _groups;
    private readonly Action<AuditExec> _completed;
    private readonly int _maxBytes;
    private readonly long _staleTicks;
    private readonly StringPool _pool = new();
    private readonly byte[] _scratch;

    public AuditRecordAssembler(Action<AuditExec> completed, int maxCommandLineBytes = 32 * 1024, int openGroups = 64, TimeSpan? staleAfter = null)
    {
        _completed = completed;
        _maxBytes = Math.Max(16, maxCommandLineBytes);
        _scratch = new byte[Math.Max(8192, _maxBytes)];
        _groups = new Group[Math.Max(2, openGroups)];
        for (int i = 0; i < _groups.Length; i++)
        {
            _groups[i] = new Group(Math.Min(512, _maxBytes));
        }

        _staleTicks = (long)((staleAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Execs produced.</summary>
    public long Completed { get; private set; }

    /// <summary>Exec events closed without their EOE record (too old, or pushed out by newer events).</summary>
    public long WithoutEoe { get; private set; }

    /// <summary>Records of interest that could not be read (no audit(…) stamp, bad numbers).</summary>
    public long Malformed { get; private set; }

    /// <summary>Command lines cut at the maximum length.</summary>
    public long Truncated { get; private set; }

    /// <summary>Takes one record: its netlink message type and its text (without the netlink header).</summary>
    public void Add(ushort type, ReadOnlySpan<byte> text, long nowTicks)
    {
        if (type is not (Syscall or Execve or Cwd or Proctitle or Eoe))
        {
            return;
        }

        while (text.Length > 0 && text[^1] is 0 or (byte)'\n')
        {
            text = text[..^1];
        }

        if (!AuditText.TryStamp(ref text, out DateTimeOffset stamp, out ulong serial))
        {
            Malformed++;
            return;
        }

        Group? group = Find(serial);
        if (group is null)
        {
            // An event starts with SYSCALL; EXECVE opens one too in case SYSCALL was lost. Others alone say nothing.
            if (type is not (Syscall or Execve))
            {
                return;
            }

            group = Open(serial, stamp, nowTicks);
        }

        switch (type)
        {
            case Syscall:
                ReadSyscall(group, text);
                break;
            case Execve:
                ReadExecve(group, text);
                break;
            case Cwd:
                if (AuditText.TryField(text, "cwd"u8, out ReadOnlySpan<byte> cwd) && AuditText.Decode(cwd, _scratch) is int n and >= 0)
                {
                    group.Cwd = _pool.Get(_scratch.AsSpan(0, n));
                }

                break;
            case Proctitle:
                if (AuditText.TryField(text, "proctitle"u8, out ReadOnlySpan<byte> title))
                {
                    group.ProctitleLength = Math.Max(0, AuditText.Decode(title, group.Proctitle));
                }

                break;
            default:
                Close(group, sawEoe: true);
                break;
        }
    }

    /// <summary>Closes events open longer than the stale limit (their EOE never came).</summary>
    public void Expire(long nowTicks)
    {
        foreach (Group g in _groups)
        {
            if (g.Active && nowTicks - g.OpenedTicks > _staleTicks)
            {
                Close(g, sawEoe: false);
            }
        }
    }

    private Group? Find(ulong serial)
    {
        foreach (Group g in _groups)
        {
            if (g.Active && g.Serial == serial)
            {
                return g;
            }
        }

        return null;
    }

    private Group Open(ulong serial, DateTimeOffset stamp, long nowTicks)
    {
        Group? free = null;
        Group oldest = _groups[0];
        foreach (Group g in _groups)
        {
            if (!g.Active)
            {
                free = g;
                break;
            }

            if (g.OpenedTicks < oldest.OpenedTicks)
            {
                oldest = g;
            }
        }

        if (free is null)
        {
            Close(oldest, sawEoe: false);
            free = oldest;
        }

        free.Reset(serial, stamp, nowTicks);
        return free;
    }

    private void Close(Group g, bool sawEoe)
    {
        g.Active = false;
        // PROCTITLE alone says nothing about an exec unless the syscall was one (EXECVE lost, argv unreadable).
        if (!g.SawExecve && !(g.IsExecSyscall && g.ProctitleLength > 0))
        {
            return;
        }

        if (g.Failed || g.Pid <= 0)
        {
            return;
        }

        if (!sawEoe)
        {
            WithoutEoe++;
        }

        // The /proc reader's rule: trailing NULs (empty last arguments) dropped, the rest become spaces.
        Span<byte> args = g.SawExecve ? g.Args.AsSpan(0, g.ArgsLength) : g.Proctitle.AsSpan(0, g.ProctitleLength);
        while (args.Length > 0 && args[^1] == 0)
        {
            args = args[..^1];
        }

        args.Replace((byte)0, (byte)' ');
        if (g.ArgsTruncated)
        {
            Truncated++;
        }

        bool complete = sawEoe && g.SawExecve && (g.Argc < 0 || g.NextArg >= g.Argc);
        Completed++;
        _completed(new AuditExec(g.Pid, g.Ppid, Encoding.UTF8.GetString(args), g.Exe, g.Cwd, g.Stamp, g.Serial, complete, g.Euid, g.Auid == uint.MaxValue ? null : g.Auid));
    }

    /// <summary>One pass over the SYSCALL record's ~30 fields, picking the few an exec needs.</summary>
    private void ReadSyscall(Group g, ReadOnlySpan<byte> text)
    {
        uint arch = 0;
        int syscall = -1;
        while (AuditText.NextField(ref text, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value))
        {
            if (name.SequenceEqual("arch"u8))
            {
                _ = Utf8Parser.TryParse(value, out arch, out _, 'x');
            }
            else if (name.SequenceEqual("syscall"u8))
            {
                _ = Utf8Parser.TryParse(value, out syscall, out _);
            }
            else if (name.SequenceEqual("success"u8))
            {
                g.Failed = value.SequenceEqual("no"u8);
            }
            else if (name.SequenceEqual("pid"u8))
            {
                _ = Utf8Parser.TryParse(value, out g.Pid, out _);
            }
            else if (name.SequenceEqual("euid"u8) && Utf8Parser.TryParse(value, out uint euid, out _))
            {
                g.Euid = euid;
            }
            else if (name.SequenceEqual("auid"u8) && Utf8Parser.TryParse(value, out uint auid, out _))
            {
                g.Auid = auid;
            }
            else if (name.SequenceEqual("ppid"u8))
            {
                _ = Utf8Parser.TryParse(value, out g.Ppid, out _);
            }
            else if (name.SequenceEqual("exe"u8) && AuditText.Decode(value, _scratch) is int length and > 0)
            {
                g.Exe = _pool.Get(_scratch.AsSpan(0, length));
            }
        }

        foreach (ExecRule rule in ExecRules)
        {
            g.IsExecSyscall |= rule.Arch == arch && (rule.Execve == syscall || rule.Execveat == syscall);
        }
    }

    /// <summary>
    /// <c>argc=3 a0="/bin/ls" a1=2D6C61 a2_len=20000 a2[0]=… a2[1]=…</c>: quoted or hex values,
    /// long arguments in chunks, an event's arguments possibly over several EXECVE records.
    /// </summary>
    private void ReadExecve(Group g, ReadOnlySpan<byte> text)
    {
        g.SawExecve = true;
        while (AuditText.NextField(ref text, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value))
        {
            if (name.SequenceEqual("argc"u8))
            {
                _ = Utf8Parser.TryParse(value, out g.Argc, out _);
                continue;
            }

            if (name.Length < 2 || name[0] != 'a' || !Utf8Parser.TryParse(name[1..], out int index, out int digits))
            {
                continue;
            }

            ReadOnlySpan<byte> rest = name[(1 + digits)..];
            if (rest.Length > 0 && rest[0] != '[')
            {
                continue; // aN_len: the chunks that follow carry the data
            }

            if (index != g.CurrentArg)
            {
                if (index != g.CurrentArg + 1)
                {
                    Malformed++;
                }

                if (g.CurrentArg >= 0)
                {
                    Append(g, [0]);
                }

                g.CurrentArg = index;
                g.NextArg = index + 1;
            }

            int n = AuditText.Decode(value, _scratch);
            if (n >= 0)
            {
                Append(g, _scratch.AsSpan(0, n));
            }
        }
    }

    private void Append(Group g, ReadOnlySpan<byte> bytes)
    {
        if (g.ArgsLength + bytes.Length > g.Args.Length && g.Args.Length < _maxBytes)
        {
            // Grown on demand: most command lines are short, and 64 slots of the maximum would be megabytes.
            Array.Resize(ref g.Args, Math.Min(_maxBytes, Math.Max(g.Args.Length * 2, g.ArgsLength + bytes.Length)));
        }

        int room = g.Args.Length - g.ArgsLength;
        if (bytes.Length > room)
        {
            g.ArgsTruncated = true;
            bytes = bytes[..room];
        }

        bytes.CopyTo(g.Args.AsSpan(g.ArgsLength));
        g.ArgsLength += bytes.Length;
    }

    private static ExecRule[] KnownExecRules()
    {
        try
        {
            return [.. AuditControl.ExecRules()];
        }
        catch (Telemetry.CollectorUnavailableException)
        {
            return [];
        }
    }

    /// <summary>One open event; reused for the assembler's life.</summary>
    private sealed class Group(int initialArgsBytes)
    {
        public readonly byte[] Proctitle = new byte[512];
        public byte[] Args = new byte[initialArgsBytes];
        public bool Active;
        public ulong Serial;
        public DateTimeOffset Stamp;
        public long OpenedTicks;
        public int Pid;
        public int Ppid;
        public bool Failed;
        public bool IsExecSyscall;
        public uint? Euid;
        public uint? Auid;
        public bool SawExecve;
        public int Argc;
        public int CurrentArg;
        public int NextArg;
        public int ArgsLength;
        public bool ArgsTruncated;
        public int ProctitleLength;
        public string? Exe;
        public string? Cwd;

        public void Reset(ulong serial, DateTimeOffset stamp, long nowTicks)
        {
            Active = true;
            Serial = serial;
            Stamp = stamp;
            OpenedTicks = nowTicks;
            Pid = Ppid = -1;
            Failed = SawExecve = ArgsTruncated = IsExecSyscall = false;
            Argc = -1;
            CurrentArg = -1;
            NextArg = 0;
            ArgsLength = ProctitleLength = 0;
            Exe = Cwd = null;
            Euid = Auid = null;
        }
    }
}
