using System.Globalization;
using Yamori.Sigma.Events;

namespace Yamori.Bench;

/// <summary>
/// Benign events of each Windows kind in the mix. Field names are the ones Sysmon and the Security
/// log use, because those are what the rules (and the log-source map) read; values come from
/// <see cref="BenignCatalog"/>.
/// </summary>
internal static class WindowsEvents
{
    private static readonly string[] Accesses = ["0x1000", "0x1400", "0x101000", "0x3000", "0x101400"];

    /// <summary>Sysmon 1: every field a process-creation rule reads is replaced with a benign process's.</summary>
    public static FlatEvent ProcessCreation(EventSynth s, FlatEvent template)
    {
        BenignProcess p = s.Pick(BenignCatalog.Processes);
        string user = s.Account(p.Account);
        string image = s.Fill(p.Image);
        return s.Vary(template, new(StringComparer.OrdinalIgnoreCase)
        {
            ["Image"] = image,
            ["CommandLine"] = s.Fill(p.CommandLine),
            ["ParentImage"] = p.ParentImage,
            ["ParentCommandLine"] = s.Fill(p.ParentCommandLine),
            ["OriginalFileName"] = p.OriginalFileName,
            ["Description"] = p.Description,
            ["Product"] = p.Product,
            ["Company"] = p.Company,
            ["FileVersion"] = p.FileVersion,
            ["User"] = user,
            ["ParentUser"] = ServiceParent(p.ParentImage) ? BenignCatalog.System : user,
            ["CurrentDirectory"] = s.Fill(p.CurrentDirectory),
            ["IntegrityLevel"] = p.IsInteractive ? "Medium" : "System",
            ["LogonId"] = LogonId(s, p.Account),
            ["Hashes"] = s.Hashes(image),
            ["ParentProcessGuid"] = s.Guid,
            ["ParentProcessId"] = s.Pid,
        });
    }

    /// <summary>Sysmon 7: a benign process loading a signed system DLL.</summary>
    public static FlatEvent ImageLoad(EventSynth s, FlatEvent template)
    {
        BenignProcess p = s.Pick(BenignCatalog.Processes);
        string dll = s.Pick(BenignCatalog.Dlls);
        return s.Vary(template, new(StringComparer.OrdinalIgnoreCase)
        {
            ["Image"] = s.Fill(p.Image),
            ["ImageLoaded"] = dll,
            ["FileVersion"] = "10.0.22621.3958 (WinBuild.160101.0800)",
            ["Description"] = "Windows system library",
            ["Product"] = "Microsoft® Windows® Operating System",
            ["Company"] = "Microsoft Corporation",
            ["OriginalFileName"] = dll[(dll.LastIndexOf('\\') + 1)..],
            ["Hashes"] = s.Hashes(dll),
            ["Signed"] = "true",
            ["Signature"] = "Microsoft Windows",
            ["SignatureStatus"] = "Valid",
            ["User"] = s.Account(p.Account),
        });
    }

    /// <summary>Sysmon 10: ordinary cross-process access (window and query rights, not lsass dumping).</summary>
    public static FlatEvent ProcessAccess(EventSynth s, FlatEvent template)
    {
        BenignProcess source = s.Pick(BenignCatalog.Processes);
        BenignProcess target = s.Pick(BenignCatalog.Processes);
        string sourceImage = s.Fill(source.Image);
        return s.Vary(template, new(StringComparer.OrdinalIgnoreCase)
        {
            ["SourceProcessGUID"] = s.Guid,
            ["SourceProcessId"] = s.Pid,
            ["SourceThreadId"] = s.Pid,
            ["SourceImage"] = sourceImage,
            ["TargetProcessGUID"] = s.Guid,
            ["TargetProcessId"] = s.Pid,
            ["TargetImage"] = s.Fill(target.Image),
            ["GrantedAccess"] = s.Pick(Accesses),
            ["CallTrace"] = $@"C:\Windows\SYSTEM32\ntdll.dll+9f4c4|C:\Windows\System32\KERNELBASE.dll+2c13e|{sourceImage}+{s.Next(0xFFFFF):x}|C:\Windows\System32\KERNEL32.DLL+17374|C:\Windows\SYSTEM32\ntdll.dll+4cc91",
            ["SourceUser"] = s.Account(source.Account),
            ["TargetUser"] = s.Account(target.Account),
        });
    }

    /// <summary>Sysmon 11: caches, temp files, Office autosave, prefetch.</summary>
    public static FlatEvent FileCreate(EventSynth s, FlatEvent template)
    {
        BenignProcess p = s.Pick(BenignCatalog.Processes);
        return s.Vary(template, new(StringComparer.OrdinalIgnoreCase)
        {
            ["Image"] = s.Fill(p.Image),
            ["TargetFilename"] = s.Fill(s.Pick(BenignCatalog.CreatedFiles)),
            ["User"] = s.Account(p.Account),
        });
    }

    /// <summary>Sysmon 13: the registry writes Explorer, Office, Defender and servicing make all day.</summary>
    public static FlatEvent RegistrySet(EventSynth s, FlatEvent template)
    {
        BenignProcess p = s.Pick(BenignCatalog.Processes);
        (string key, string details) = s.Pick(BenignCatalog.RegistryValues);
        return s.Vary(template, new(StringComparer.OrdinalIgnoreCase)
        {
            ["EventType"] = "SetValue",
            ["Image"] = s.Fill(p.Image),
            ["TargetObject"] = s.Fill(key),
            ["Details"] = s.Fill(details),
            ["User"] = s.Account(p.Account),
        });
    }

    /// <summary>Sysmon 3 (no regression event has one): outbound HTTPS, DNS and SMB from ordinary processes.</summary>
    public static FlatEvent Network(EventSynth s)
    {
        BenignProcess p = s.Pick(BenignCatalog.NetworkClients);
        (string name, string address) = s.Pick(BenignCatalog.Destinations);
        (string port, string portName) = address.StartsWith("10.", StringComparison.Ordinal) ? ("445", "microsoft-ds") : ("443", "https");
        return s.Windows(sysmon: true, 3, new(StringComparer.OrdinalIgnoreCase)
        {
            ["RuleName"] = "-",
            ["UtcTime"] = s.UtcTime,
            ["ProcessGuid"] = s.Guid,
            ["ProcessId"] = s.Pid,
            ["Image"] = s.Fill(p.Image),
            ["User"] = s.Account(p.Account),
            ["Protocol"] = "tcp",
            ["Initiated"] = "true",
            ["SourceIsIpv6"] = "false",
            ["SourceIp"] = $"10.20.{s.Next(16)}.{s.Next(250) + 2}",
            ["SourceHostname"] = "-",
            ["SourcePort"] = (49152 + s.Next(16000)).ToString(CultureInfo.InvariantCulture),
            ["SourcePortName"] = "-",
            ["DestinationIsIpv6"] = "false",
            ["DestinationIp"] = address,
            ["DestinationHostname"] = name,
            ["DestinationPort"] = port,
            ["DestinationPortName"] = portName,
        });
    }

    /// <summary>Sysmon 22 (no regression event has one): lookups of well-known and municipal names.</summary>
    public static FlatEvent Dns(EventSynth s)
    {
        BenignProcess p = s.Pick(BenignCatalog.Processes);
        (string name, string address) = s.Pick(BenignCatalog.Destinations);
        return s.Windows(sysmon: true, 22, new(StringComparer.OrdinalIgnoreCase)
        {
            ["RuleName"] = "-",
            ["UtcTime"] = s.UtcTime,
            ["ProcessGuid"] = s.Guid,
            ["ProcessId"] = s.Pid,
            ["QueryName"] = name,
            ["QueryStatus"] = "0",
            ["QueryResults"] = $"::ffff:{address};",
            ["Image"] = s.Fill(p.Image),
            ["User"] = s.Account(p.Account),
        });
    }

    /// <summary>Security 4624/4672/4688/4625, in roughly the proportions a workstation logs them.</summary>
    public static FlatEvent Security(EventSynth s)
    {
        int roll = s.Next(100);
        string user = s.Pick(BenignCatalog.Users);
        string subjectSid = "S-1-5-18";
        if (roll < 45)
        {
            // Interactive, network (Kerberos), service and unlock logons.
            (string type, string process, string package, string path, string ip) = s.Next(4) switch
            {
                0 => ("2", "User32 ", "Negotiate", @"C:\Windows\System32\svchost.exe", "127.0.0.1"),
                1 => ("3", "Kerberos", "Kerberos", "-", $"10.20.{s.Next(16)}.{s.Next(250) + 2}"),
                2 => ("5", "Advapi  ", "Negotiate", @"C:\Windows\System32\services.exe", "-"),
                _ => ("7", "User32 ", "Negotiate", @"C:\Windows\System32\svchost.exe", "127.0.0.1"),
            };
            bool service = type == "5";
            return s.Windows(sysmon: false, 4624, new(StringComparer.OrdinalIgnoreCase)
            {
                ["SubjectUserSid"] = subjectSid, ["SubjectUserName"] = "PC-0142$", ["SubjectDomainName"] = "EXAMPLE", ["SubjectLogonId"] = "0x3e7",
                ["TargetUserSid"] = service ? "S-1-5-18" : $"S-1-5-21-1004336348-1177238915-682003330-{1100 + s.Next(900)}",
                ["TargetUserName"] = service ? "SYSTEM" : user, ["TargetDomainName"] = service ? "NT AUTHORITY" : "EXAMPLE",
                ["TargetLogonId"] = $"0x{s.Next(0xFFFFFF):x}", ["LogonType"] = type, ["LogonProcessName"] = process,
                ["AuthenticationPackageName"] = package, ["WorkstationName"] = "PC-0142", ["LogonGuid"] = "{00000000-0000-0000-0000-000000000000}",
                ["TransmittedServices"] = "-", ["LmPackageName"] = "-", ["KeyLength"] = "0", ["ProcessId"] = $"0x{s.Next(0xFFF):x}",
                ["ProcessName"] = path, ["IpAddress"] = ip, ["IpPort"] = ip == "-" ? "-" : "0", ["ImpersonationLevel"] = "%%1833",
                ["RestrictedAdminMode"] = "-", ["TargetOutboundUserName"] = "-", ["TargetOutboundDomainName"] = "-",
                ["VirtualAccount"] = "%%1843", ["TargetLinkedLogonId"] = "0x0", ["ElevatedToken"] = "%%1842",
            });
        }

        if (roll < 75)
        {
            return s.Windows(sysmon: false, 4672, new(StringComparer.OrdinalIgnoreCase)
            {
                ["SubjectUserSid"] = subjectSid, ["SubjectUserName"] = "SYSTEM", ["SubjectDomainName"] = "NT AUTHORITY", ["SubjectLogonId"] = "0x3e7",
                ["PrivilegeList"] = "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeAuditPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege",
            });
        }

        if (roll < 93)
        {
            BenignProcess p = s.Pick(BenignCatalog.Processes);
            return s.Windows(sysmon: false, 4688, new(StringComparer.OrdinalIgnoreCase)
            {
                ["SubjectUserSid"] = p.IsInteractive ? "S-1-5-21-1004336348-1177238915-682003330-1105" : subjectSid,
                ["SubjectUserName"] = p.IsInteractive ? user : "PC-0142$", ["SubjectDomainName"] = "EXAMPLE", ["SubjectLogonId"] = LogonId(s, p.Account),
                ["NewProcessId"] = $"0x{s.Next(0xFFFF):x}", ["NewProcessName"] = s.Fill(p.Image), ["TokenElevationType"] = "%%1938",
                ["ProcessId"] = $"0x{s.Next(0xFFFF):x}", ["CommandLine"] = s.Fill(p.CommandLine), ["TargetUserSid"] = "S-1-0-0",
                ["TargetUserName"] = "-", ["TargetDomainName"] = "-", ["TargetLogonId"] = "0x0", ["ParentProcessName"] = p.ParentImage,
                ["MandatoryLabel"] = p.IsInteractive ? "S-1-16-8192" : "S-1-16-16384",
            });
        }

        // A mistyped password at the lock screen.
        return s.Windows(sysmon: false, 4625, new(StringComparer.OrdinalIgnoreCase)
        {
            ["SubjectUserSid"] = subjectSid, ["SubjectUserName"] = "PC-0142$", ["SubjectDomainName"] = "EXAMPLE", ["SubjectLogonId"] = "0x3e7",
            ["TargetUserSid"] = "S-1-0-0", ["TargetUserName"] = user, ["TargetDomainName"] = "EXAMPLE", ["Status"] = "0xc000006d",
            ["FailureReason"] = "%%2313", ["SubStatus"] = "0xc000006a", ["LogonType"] = "2", ["LogonProcessName"] = "User32 ",
            ["AuthenticationPackageName"] = "Negotiate", ["WorkstationName"] = "PC-0142", ["TransmittedServices"] = "-", ["LmPackageName"] = "-",
            ["KeyLength"] = "0", ["ProcessId"] = "0x2b4", ["ProcessName"] = @"C:\Windows\System32\svchost.exe", ["IpAddress"] = "127.0.0.1", ["IpPort"] = "0",
        });
    }

    private static bool ServiceParent(string parentImage) =>
        parentImage.EndsWith(@"\services.exe", StringComparison.OrdinalIgnoreCase) ||
        parentImage.EndsWith(@"\svchost.exe", StringComparison.OrdinalIgnoreCase) ||
        parentImage.EndsWith(@"\winlogon.exe", StringComparison.OrdinalIgnoreCase) ||
        parentImage.EndsWith(@"\SearchIndexer.exe", StringComparison.OrdinalIgnoreCase);

    private static string LogonId(EventSynth s, string account) => account switch
    {
        BenignCatalog.System => "0x3e7",
        BenignCatalog.LocalService => "0x3e5",
        BenignCatalog.NetworkService => "0x3e4",
        _ => $"0x{0x30000 + s.Next(0xFFFFF):x}",
    };
}
