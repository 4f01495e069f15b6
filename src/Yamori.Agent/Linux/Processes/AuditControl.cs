using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Yamori.Agent.Linux.Interop;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Linux.Processes;

/// <summary>The first fields of the kernel's <c>struct audit_status</c>.</summary>
/// <param name="Enabled">0 off, 1 on, 2 on and locked (rules immutable until reboot).</param>
/// <param name="DaemonPid">The registered audit daemon (auditd), 0 if none.</param>
/// <param name="Lost">Records the kernel has dropped since boot (backlog full, rate limit).</param>
public sealed record AuditStatus(uint Enabled, uint DaemonPid, uint BacklogLimit, uint Lost, uint Backlog);

/// <summary>
/// Control requests on the audit netlink (AUDIT_GET / AUDIT_SET / AUDIT_ADD_RULE / AUDIT_DEL_RULE)
/// over a short-lived socket of its own, so replies never mix with the multicast record feed.
/// Needs CAP_AUDIT_CONTROL.
/// </summary>
internal sealed class AuditControl : IDisposable
{
    /// <summary>The filter key of the collector's rules (auditctl -k), so they are recognisable in auditctl -l.</summary>
    public const string RuleKey = "yamori";

    private const uint AuditFilterExit = 0x04;
    private const uint AuditAlways = 2;
    private const uint AuditArch = 11;
    private const uint AuditFilterKey = 210;
    private const uint AuditEqual = 0x40000000;
    private const uint AuditStatusEnabled = 0x1;

    // struct audit_rule_data: flags, action, field_count, mask[64], fields[64], values[64], fieldflags[64], buflen, buf[].
    private const int RuleHeaderBytes = (3 * 4) + (64 * 4 * 4) + 4;
    private const int MaskOffset = 12;
    private const int FieldsOffset = MaskOffset + 256;
    private const int ValuesOffset = FieldsOffset + 256;
    private const int FieldFlagsOffset = ValuesOffset + 256;
    private const int BufLenOffset = FieldFlagsOffset + 256;

    private readonly SafeFd _fd;

    public AuditControl()
    {
        _fd = LibC.OpenNetlink(LibC.NETLINK_AUDIT);
        try
        {
            LibC.SetReceiveTimeout(_fd, TimeSpan.FromSeconds(5));
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
    }

    /// <summary>The execve rules this machine's architecture needs: its native ABI and its 32-bit compat ABI.</summary>
    public static IReadOnlyList<ExecRule> ExecRules()
    {
        return RuntimeInformation.OSArchitecture switch
        {
            // AUDIT_ARCH_X86_64 (execve 59, execveat 322) and AUDIT_ARCH_I386 (11, 358).
            Architecture.X64 => [new ExecRule("b64", 0xC000003E, 59, 322), new ExecRule("b32", 0x40000003, 11, 358)],

            // AUDIT_ARCH_AARCH64 (221, 281) and AUDIT_ARCH_ARM (11, 387).
            Architecture.Arm64 => [new ExecRule("b64", 0xC00000B7, 221, 281), new ExecRule("b32", 0x40000028, 11, 387)],
            _ => throw new CollectorUnavailableException($"no audit execve rule known for {RuntimeInformation.OSArchitecture}"),
        };
    }

    public AuditStatus GetStatus()
    {
        Span<byte> reply = stackalloc byte[64];
        reply.Clear();
        int error = LibC.AuditRequest(_fd, LibC.AUDIT_GET, [], LibC.AUDIT_GET, reply);
        if (error != 0)
        {
            throw LibC.Failure("AUDIT_GET", -error);
        }

        // mask, enabled, failure, pid, rate_limit, backlog_limit, lost, backlog
        return new AuditStatus(
            Enabled: BinaryPrimitives.ReadUInt32LittleEndian(reply[4..]),
            DaemonPid: BinaryPrimitives.ReadUInt32LittleEndian(reply[12..]),
            BacklogLimit: BinaryPrimitives.ReadUInt32LittleEndian(reply[20..]),
            Lost: BinaryPrimitives.ReadUInt32LittleEndian(reply[24..]),
            Backlog: BinaryPrimitives.ReadUInt32LittleEndian(reply[28..]));
    }

    /// <summary>AUDIT_SET of the enabled flag (0 or 1).</summary>
    public void SetEnabled(bool enabled)
    {
        Span<byte> status = stackalloc byte[40];
        status.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(status, AuditStatusEnabled);
        BinaryPrimitives.WriteUInt32LittleEndian(status[4..], enabled ? 1u : 0u);
        int error = LibC.AuditRequest(_fd, LibC.AUDIT_SET, status, 0, default);
        if (error != 0)
        {
            throw LibC.Failure("AUDIT_SET enabled=" + (enabled ? 1 : 0), -error);
        }
    }

    /// <summary>Adds an always,exit rule; returns false when an identical rule already exists (EEXIST).</summary>
    public bool AddRule(ExecRule rule)
    {
        int error = LibC.AuditRequest(_fd, LibC.AUDIT_ADD_RULE, RuleData(rule), 0, default);
        if (error == -LibC.EEXIST)
        {
            return false;
        }

        if (error != 0)
        {
            throw LibC.Failure($"AUDIT_ADD_RULE (always,exit arch={rule.ArchName} execve key={RuleKey})", -error);
        }

        return true;
    }

    /// <summary>Deletes the identical rule (the kernel compares every field, key included, so no one else's rule matches).</summary>
    public void DeleteRule(ExecRule rule)
    {
        int error = LibC.AuditRequest(_fd, LibC.AUDIT_DEL_RULE, RuleData(rule), 0, default);
        if (error != 0)
        {
            throw LibC.Failure($"AUDIT_DEL_RULE (always,exit arch={rule.ArchName} execve key={RuleKey})", -error);
        }
    }

    public void Dispose() => _fd.Dispose();

    /// <summary>struct audit_rule_data for <c>-a always,exit -F arch=… -S execve -S execveat -k yamori</c>.</summary>
    internal static byte[] RuleData(ExecRule rule)
    {
        ReadOnlySpan<byte> key = "yamori"u8;
        byte[] data = new byte[RuleHeaderBytes + key.Length];
        Span<byte> d = data;
        BinaryPrimitives.WriteUInt32LittleEndian(d, AuditFilterExit);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], AuditAlways);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], 2);
        SetSyscall(d, rule.Execve);
        SetSyscall(d, rule.Execveat);
        WriteField(d, 0, AuditArch, rule.Arch);
        WriteField(d, 1, AuditFilterKey, (uint)key.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(d[BufLenOffset..], (uint)key.Length);
        key.CopyTo(d[RuleHeaderBytes..]);
        return data;
    }

    private static void SetSyscall(Span<byte> d, int nr)
    {
        Span<byte> word = d[(MaskOffset + (nr / 32 * 4))..];
        BinaryPrimitives.WriteUInt32LittleEndian(word, BinaryPrimitives.ReadUInt32LittleEndian(word) | (1u << (nr % 32)));
    }

    private static void WriteField(Span<byte> d, int index, uint field, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(d[(FieldsOffset + (index * 4))..], field);
        BinaryPrimitives.WriteUInt32LittleEndian(d[(ValuesOffset + (index * 4))..], value);
        BinaryPrimitives.WriteUInt32LittleEndian(d[(FieldFlagsOffset + (index * 4))..], AuditEqual);
    }
}

/// <summary>One ABI's execve rule: the AUDIT_ARCH value and that ABI's execve/execveat numbers.</summary>
internal sealed record ExecRule(string ArchName, uint Arch, int Execve, int Execveat);
