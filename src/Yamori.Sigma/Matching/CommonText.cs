namespace Yamori.Sigma.Matching;

/// <summary>
/// Text that occurs in most benign Windows and Linux telemetry. A required literal found inside it
/// ("\system32\", ".exe", " -p") says little about an event, so when a rule offers a choice the
/// pre-filter indexes a rarer one. Only the choice depends on this list, never a result.
/// </summary>
internal static class CommonText
{
    private static readonly string[] Samples =
    [
        @"c:\windows\system32\svchost.exe -k netsvcs -p -s schedule",
        @"c:\windows\syswow64\rundll32.exe c:\windows\system32\shell32.dll,control_rundll",
        @"c:\program files (x86)\microsoft\edge\application\msedge.exe --type=renderer --field-trial-handle=1234",
        @"c:\program files\google\chrome\application\chrome.exe --type=utility --utility-sub-type=network.mojom.networkservice",
        @"c:\windows\explorer.exe",
        @"c:\users\user01\appdata\local\microsoft\onedrive\onedrive.exe /background",
        @"c:\users\public\documents\",
        @"c:\windows\system32\conhost.exe 0xffffffff -forcev1",
        @"nt authority\system",
        @"nt authority\local service",
        "microsoft® windows® operating system",
        "microsoft corporation",
        "windows host process (rundll32)",
        "sha1=,md5=,sha256=,imphash=",
        "system high medium low",
        @"hklm\software\microsoft\windows\currentversion\",
        @"hku\s-1-5-21-\software\microsoft\windows\currentversion\",
        @"/usr/bin/bash /usr/lib/systemd/systemd --user",
        "0x0000000000000000 true false",
    ];

    /// <summary>True when <paramref name="literal"/> occurs (case-insensitively) in common text.</summary>
    public static bool Contains(string literal)
    {
        foreach (string sample in Samples)
        {
            if (sample.Contains(literal, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
