using System.Globalization;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Linux.Processes;

/// <summary>Maps captured processes to SigmaHQ's linux process_creation / process_termination fields.</summary>
internal static class ProcessEvents
{
    public static readonly LogSourceHint CreationSource = new("linux", "process_creation", null);
    public static readonly LogSourceHint TerminationSource = new("linux", "process_termination", null);

    public static FlatEvent Creation(ProcessRecord record, ExecutableHasher hasher, UserNames users)
    {
        if (record.ExeToHash is { } exe)
        {
            using (exe)
            {
                record.Hashes = hasher.Compute(exe, record.ExeIdentity);
            }
        }

        var e = new FlatEvent { Source = CreationSource, Timestamp = record.Timestamp };
        e.Set("ProcessId", record.ProcessId.ToString(CultureInfo.InvariantCulture));
        SetIfKnown(e, "Image", record.Image);
        SetIfKnown(e, "CommandLine", record.CommandLine);
        SetIfKnown(e, "CurrentDirectory", record.CurrentDirectory);
        if (record.Uid is uint uid)
        {
            e.Set("User", users.Lookup(uid));
        }

        // Sysmon for Linux's LogonId is the audit login uid; absent for processes outside a login session.
        if (record.LoginUid is uint loginUid)
        {
            e.Set("LogonId", loginUid.ToString(CultureInfo.InvariantCulture));
        }

        if (record.ParentProcessId > 0)
        {
            e.Set("ParentProcessId", record.ParentProcessId.ToString(CultureInfo.InvariantCulture));
        }

        SetIfKnown(e, "ParentImage", record.ParentImage);
        SetIfKnown(e, "ParentCommandLine", record.ParentCommandLine);
        SetIfKnown(e, "Hashes", record.Hashes);

        // The kernel's task name: the only name of a process that exited before /proc was read.
        if (record.Image is null)
        {
            SetIfKnown(e, "Comm", record.Comm);
        }

        return e;
    }

    public static FlatEvent Termination(ProcessRecord record)
    {
        var e = new FlatEvent { Source = TerminationSource, Timestamp = record.Timestamp };
        e.Set("ProcessId", record.ProcessId.ToString(CultureInfo.InvariantCulture));
        SetIfKnown(e, "Image", record.Image ?? record.Comm);
        if (record.ParentProcessId > 0)
        {
            e.Set("ParentProcessId", record.ParentProcessId.ToString(CultureInfo.InvariantCulture));
        }

        e.Set("ExitCode", record.ExitCode.ToString(CultureInfo.InvariantCulture));
        return e;
    }

    private static void SetIfKnown(FlatEvent e, string name, string? value)
    {
        if (value is not null)
        {
            e.Set(name, value);
        }
    }
}
