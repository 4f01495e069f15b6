using System.Buffers.Text;
using System.Diagnostics;
using System.Text;

namespace Yamori.Agent.Linux.Processes;

/// <summary>One exec as the kernel's audit subsystem recorded it.</summary>
/// <param name="CommandLine">argv joined by spaces, as the /proc reader joins cmdline.</param>
/// <param name="Timestamp">The audit stamp (syscall entry, millisecond resolution, the kernel's coarse clock).</param>
/// <param name="Serial">The audit event serial: increases with every event, so it orders two execs of one pid.</param>
/// <param name="Complete">False when the event ended without its EOE record or an argument was missing.</param>
public sealed record AuditExec(
    int ProcessId,
    int ParentProcessId,
    string CommandLine,
    string? Image,
    string? CurrentDirectory,
    DateTimeOffset Timestamp,
    ulong Serial,
    bool Complete);

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

        if (!TryStamp(ref text, out DateTimeOffset stamp, out ulong serial))
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
                if (TryField(text, "cwd"u8, out ReadOnlySpan<byte> cwd) && Decode(cwd, _scratch) is int n and >= 0)
                {
                    group.Cwd = _pool.Get(_scratch.AsSpan(0, n));
                }

                break;
            case Proctitle:
                if (TryField(text, "proctitle"u8, out ReadOnlySpan<byte> title))
                {
                    group.ProctitleLength = Math.Max(0, Decode(title, group.Proctitle));
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
        _completed(new AuditExec(g.Pid, g.Ppid, Encoding.UTF8.GetString(args), g.Exe, g.Cwd, g.Stamp, g.Serial, complete));
    }

    private void ReadSyscall(Group g, ReadOnlySpan<byte> text)
    {
        if (TryField(text, "success"u8, out ReadOnlySpan<byte> success) && success.SequenceEqual("no"u8))
        {
            g.Failed = true;
        }

        if (TryField(text, "arch"u8, out ReadOnlySpan<byte> arch) && Utf8Parser.TryParse(arch, out uint a, out _, 'x')
            && TryField(text, "syscall"u8, out ReadOnlySpan<byte> nr) && Utf8Parser.TryParse(nr, out int n, out _))
        {
            foreach (ExecRule rule in ExecRules)
            {
                g.IsExecSyscall |= rule.Arch == a && (rule.Execve == n || rule.Execveat == n);
            }
        }

        if (TryField(text, "pid"u8, out ReadOnlySpan<byte> pid) && Utf8Parser.TryParse(pid, out int p, out _))
        {
            g.Pid = p;
        }

        if (TryField(text, "ppid"u8, out ReadOnlySpan<byte> ppid) && Utf8Parser.TryParse(ppid, out int pp, out _))
        {
            g.Ppid = pp;
        }

        if (TryField(text, "exe"u8, out ReadOnlySpan<byte> exe) && Decode(exe, _scratch) is int length and > 0)
        {
            g.Exe = _pool.Get(_scratch.AsSpan(0, length));
        }
    }

    /// <summary>
    /// <c>argc=3 a0="/bin/ls" a1=2D6C61 a2_len=20000 a2[0]=… a2[1]=…</c>: quoted or hex values,
    /// long arguments in chunks, an event's arguments possibly over several EXECVE records.
    /// </summary>
    private void ReadExecve(Group g, ReadOnlySpan<byte> text)
    {
        g.SawExecve = true;
        while (NextField(ref text, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value))
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

            int n = Decode(value, _scratch);
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

    /// <summary>Reads <c>audit(1764161863.123:4567): </c> off the front of a record.</summary>
    internal static bool TryStamp(ref ReadOnlySpan<byte> text, out DateTimeOffset stamp, out ulong serial)
    {
        stamp = default;
        serial = 0;
        if (!text.StartsWith("audit("u8))
        {
            return false;
        }

        ReadOnlySpan<byte> t = text[6..];
        if (!Utf8Parser.TryParse(t, out long seconds, out int used) || used >= t.Length || t[used] != '.')
        {
            return false;
        }

        t = t[(used + 1)..];
        if (!Utf8Parser.TryParse(t, out int millis, out used) || used >= t.Length || t[used] != ':')
        {
            return false;
        }

        t = t[(used + 1)..];
        if (!Utf8Parser.TryParse(t, out serial, out used) || !t[used..].StartsWith("):"u8))
        {
            return false;
        }

        stamp = DateTimeOffset.FromUnixTimeMilliseconds((seconds * 1000) + millis);
        text = t[(used + 2)..];
        return true;
    }

    /// <summary>The value of the first <c>name=value</c> field, quotes kept (Decode removes them).</summary>
    internal static bool TryField(ReadOnlySpan<byte> text, ReadOnlySpan<byte> wanted, out ReadOnlySpan<byte> value)
    {
        while (NextField(ref text, out ReadOnlySpan<byte> name, out value))
        {
            if (name.SequenceEqual(wanted))
            {
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Splits off the next <c>name=value</c>; a quoted value runs to its closing quote (the kernel hex-encodes any value holding a quote or a space).</summary>
    internal static bool NextField(scoped ref ReadOnlySpan<byte> text, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (true)
        {
            text = text.TrimStart((byte)' ');
            if (text.IsEmpty)
            {
                name = value = default;
                return false;
            }

            int eq = text.IndexOfAny((byte)'=', (byte)' ');
            if (eq < 0 || text[eq] == ' ')
            {
                // A bare word (no '='): skip it.
                text = eq < 0 ? default : text[eq..];
                continue;
            }

            name = text[..eq];
            ReadOnlySpan<byte> v = text[(eq + 1)..];
            int end;
            if (v.Length > 0 && v[0] == '"')
            {
                int close = v[1..].IndexOf((byte)'"');
                end = close < 0 ? v.Length : close + 2;
            }
            else
            {
                end = v.IndexOf((byte)' ');
                if (end < 0)
                {
                    end = v.Length;
                }
            }

            value = v[..end];
            text = v[end..];
            return true;
        }
    }

    /// <summary>
    /// An audit "untrusted string": <c>"text"</c>, upper-case hex of the raw bytes, or <c>(null)</c>.
    /// Writes the bytes to <paramref name="output"/> (cut to fit) and returns their count, or -1 for (null).
    /// </summary>
    internal static int Decode(ReadOnlySpan<byte> value, Span<byte> output)
    {
        if (value.Length > 0 && value[0] == '"')
        {
            ReadOnlySpan<byte> inner = value.Length >= 2 && value[^1] == '"' ? value[1..^1] : value[1..];
            int n = Math.Min(inner.Length, output.Length);
            inner[..n].CopyTo(output);
            return n;
        }

        if (value.SequenceEqual("(null)"u8))
        {
            return -1;
        }

        if (value.Length % 2 == 0 && !value.ContainsAnyExcept("0123456789ABCDEFabcdef"u8))
        {
            int n = Math.Min(value.Length / 2, output.Length);
            for (int i = 0; i < n; i++)
            {
                output[i] = (byte)((Nibble(value[2 * i]) << 4) | Nibble(value[(2 * i) + 1]));
            }

            return n;
        }

        int m = Math.Min(value.Length, output.Length);
        value[..m].CopyTo(output);
        return m;
    }

    private static int Nibble(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

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
        }
    }
}
