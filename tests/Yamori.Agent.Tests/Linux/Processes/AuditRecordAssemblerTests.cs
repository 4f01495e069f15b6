using System.Diagnostics;
using System.Text;
using Yamori.Agent.Linux.Processes;

namespace Yamori.Agent.Tests.Linux.Processes;

/// <summary>
/// The audit record parser on hand-written edge cases shaped like real kernel output (the real
/// records are replayed in <see cref="AuditExecFeedTests"/>): hex-encoded arguments, long
/// arguments in chunks over several records, events that never get their EOE.
/// </summary>
public sealed class AuditRecordAssemblerTests
{
    private const string Syscall59 = "arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=8 items=2 ppid=27062 pid=27087 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"true\" exe=\"/usr/bin/true\" key=\"yamori\"";

    private readonly List<AuditExec> _execs = [];
    private readonly AuditRecordAssembler _assembler;
    private long _now = Stopwatch.GetTimestamp();

    public AuditRecordAssemblerTests() => _assembler = new AuditRecordAssembler(_execs.Add, maxCommandLineBytes: 64, openGroups: 4);

    [Fact]
    public void A_plain_exec_gives_pid_parent_argv_image_and_directory_at_its_EOE()
    {
        Add(1300, 42, Syscall59);
        Add(1309, 42, "argc=3 a0=\"/bin/true\" a1=\"yamori-x\" a2=\"7\"");
        Add(1307, 42, "cwd=\"/tmp\"");
        Add(1302, 42, "item=0 name=\"/bin/true\" inode=1 dev=00:1f mode=0100755");
        Add(1327, 42, "proctitle=2F62696E2F74727565");
        Assert.Empty(_execs);
        Add(1320, 42, "");

        AuditExec e = Assert.Single(_execs);
        Assert.Equal(new AuditExec(27087, 27062, "/bin/true yamori-x 7", "/usr/bin/true", "/tmp", DateTimeOffset.FromUnixTimeMilliseconds(1_795_698_385_603), 42, Complete: true, Uid: 0, LoginUid: null), e);
    }

    [Fact]
    public void Hex_encoded_arguments_image_and_directory_are_decoded()
    {
        Add(1300, 7, Syscall59.Replace("exe=\"/usr/bin/true\"", "exe=2F746D702F6D7920746F6F6C", StringComparison.Ordinal)
            .Replace("auid=4294967295", "auid=1000", StringComparison.Ordinal).Replace(" euid=0 ", " euid=1001 ", StringComparison.Ordinal));
        // "two words", "say \"hi\"" and an empty argument, as the kernel writes them.
        Add(1309, 7, "argc=4 a0=\"echo\" a1=74776F20776F726473 a2=73617920226869222E a3=\"\"");
        Add(1307, 7, "cwd=2F746D702F612064697220");
        Add(1320, 7, "");

        AuditExec e = Assert.Single(_execs);
        Assert.Equal("echo two words say \"hi\".", e.CommandLine); // the empty last argument is dropped, as /proc's reader does
        Assert.Equal("/tmp/my tool", e.Image);
        Assert.Equal("/tmp/a dir ", e.CurrentDirectory);
        Assert.Equal((1001u, 1000u), (e.Uid, e.LoginUid));
    }

    [Fact]
    public void A_long_argument_in_chunks_over_two_EXECVE_records_is_joined()
    {
        Add(1300, 8, Syscall59);
        Add(1309, 8, "argc=3 a0=\"/bin/true\" a1_len=20 a1[0]=\"0123456789\"");
        Add(1309, 8, "a1[1]=41424344454647484A4B a2=\"end\"");
        Add(1320, 8, "");

        AuditExec e = Assert.Single(_execs);
        Assert.Equal("/bin/true 0123456789ABCDEFGHJK end", e.CommandLine);
        Assert.True(e.Complete);
    }

    [Fact]
    public void An_event_without_EOE_is_closed_when_stale_and_marked_incomplete()
    {
        Add(1300, 9, Syscall59);
        Add(1309, 9, "argc=2 a0=\"/bin/true\" a1=\"lost-eoe\"");
        _assembler.Expire(_now + Stopwatch.Frequency); // not stale yet: one second is the limit
        Assert.Empty(_execs);

        _assembler.Expire(_now + (2 * Stopwatch.Frequency));
        AuditExec e = Assert.Single(_execs);
        Assert.Equal("/bin/true lost-eoe", e.CommandLine);
        Assert.False(e.Complete);
        Assert.Equal(1, _assembler.WithoutEoe);
    }

    [Fact]
    public void Interleaved_events_are_kept_apart_and_the_oldest_open_one_is_closed_when_slots_run_out()
    {
        for (int serial = 100; serial < 105; serial++)
        {
            Add(1300, (ulong)serial, Syscall59.Replace("pid=27087", $"pid={serial}", StringComparison.Ordinal));
            Add(1309, (ulong)serial, $"argc=1 a0=\"p{serial}\"");
            _now++;
        }

        // Four slots: the fifth event pushed the first out without its EOE.
        AuditExec first = Assert.Single(_execs);
        Assert.Equal(("p100", 100, false), (first.CommandLine, first.ProcessId, first.Complete));
        Add(1320, 103, "");
        Add(1320, 101, "");
        Assert.Equal(["p100", "p103", "p101"], _execs.Select(e => e.CommandLine));
    }

    [Fact]
    public void A_failed_execve_other_syscalls_and_unreadable_records_give_nothing_and_do_not_throw()
    {
        Add(1300, 11, Syscall59.Replace("success=yes exit=0", "success=no exit=-2", StringComparison.Ordinal));
        Add(1320, 11, "");
        Add(1300, 12, "arch=c000003e syscall=44 success=yes exit=1062 ppid=1 pid=2 comm=\"x\" exe=\"/x\" key=(null)");
        Add(1327, 12, "proctitle=\"x\"");
        Add(1320, 12, "");
        _assembler.Add(1309, "audit(garbage): argc=1 a0=\"x\""u8, _now);
        _assembler.Add(1309, "argc=1"u8, _now);
        Add(1309, 13, "argc=2 a0 a1=ZZZ a1_len=x a=1 =2 a99999999999999999999=\"x\"");
        Add(1320, 13, "");

        Assert.Empty(_execs);

        // Two records without a stamp, and a1 arriving before any a0.
        Assert.Equal(3, _assembler.Malformed);
    }

    [Fact]
    public void Without_an_EXECVE_record_the_PROCTITLE_argv_is_used()
    {
        Add(1300, 14, Syscall59);
        Add(1327, 14, "proctitle=2F62696E2F7472756500612062");
        Add(1320, 14, "");
        AuditExec e = Assert.Single(_execs);
        Assert.Equal("/bin/true a b", e.CommandLine);
        Assert.False(e.Complete);
    }

    [Fact]
    public void A_command_line_longer_than_the_limit_is_cut_and_counted()
    {
        Add(1300, 15, Syscall59);
        Add(1309, 15, $"argc=2 a0=\"/bin/true\" a1=\"{new string('x', 100)}\"");
        Add(1320, 15, "");
        Assert.Equal(64, Assert.Single(_execs).CommandLine.Length);
        Assert.Equal(1, _assembler.Truncated);
    }

    private void Add(ushort type, ulong serial, string fields) =>
        _assembler.Add(type, Encoding.UTF8.GetBytes($"audit(1795698385.603:{serial}): {fields}"), _now);
}
