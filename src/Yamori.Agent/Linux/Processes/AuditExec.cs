namespace Yamori.Agent.Linux.Processes;

/// <summary>One exec as the kernel's audit subsystem recorded it.</summary>
/// <param name="CommandLine">argv joined by spaces, as the /proc reader joins cmdline.</param>
/// <param name="Timestamp">The audit stamp (syscall entry, millisecond resolution, the kernel's coarse clock).</param>
/// <param name="Serial">The audit event serial: increases with every event, so it orders two execs of one pid.</param>
/// <param name="Complete">False when the event ended without its EOE record or an argument was missing.</param>
/// <param name="Uid">Effective uid after the exec (SYSCALL euid=).</param>
/// <param name="LoginUid">The login uid (SYSCALL auid=), null when unset (4294967295).</param>
public sealed record AuditExec(
    int ProcessId,
    int ParentProcessId,
    string CommandLine,
    string? Image,
    string? CurrentDirectory,
    DateTimeOffset Timestamp,
    ulong Serial,
    bool Complete,
    uint? Uid = null,
    uint? LoginUid = null);
