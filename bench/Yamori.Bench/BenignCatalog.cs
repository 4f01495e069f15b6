namespace Yamori.Bench;

/// <summary>
/// A benign Windows process as Sysmon would report its creation. Tokens in the strings are filled
/// per event: <c>{user}</c> a user name, <c>{doc}</c> a document, <c>{n}</c> a number, so the
/// values vary the way a real fleet's do (and the pre-filter cannot win by caching one string).
/// </summary>
internal sealed record BenignProcess(
    string Image,
    string CommandLine,
    string ParentImage,
    string ParentCommandLine,
    string Description,
    string Account,
    string CurrentDirectory,
    string Product = "Microsoft® Windows® Operating System",
    string Company = "Microsoft Corporation",
    string FileVersion = "10.0.22621.3958 (WinBuild.160101.0800)")
{
    /// <summary>Sysmon's OriginalFileName is the PE's internal name; for these binaries it is the file name.</summary>
    public string OriginalFileName => Image[(Image.LastIndexOf('\\') + 1)..];

    public bool IsInteractive => Account == BenignCatalog.Interactive;
}

/// <summary>Realistic values for a Japanese local-government Windows fleet, none of which a SigmaHQ rule should flag.</summary>
internal static class BenignCatalog
{
    public const string System = @"NT AUTHORITY\SYSTEM";
    public const string LocalService = @"NT AUTHORITY\LOCAL SERVICE";
    public const string NetworkService = @"NT AUTHORITY\NETWORK SERVICE";

    /// <summary>Stands for the logged-on user: replaced by <c>LGX\{user}</c>.</summary>
    public const string Interactive = "{account}";

    private const string Sys32 = @"C:\Windows\system32\";
    private const string Services = @"C:\Windows\System32\services.exe";
    private const string Explorer = @"C:\Windows\explorer.exe";
    private const string Chrome = @"C:\Program Files\Google\Chrome\Application\chrome.exe";
    private const string Edge = @"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe";
    private const string Office = @"C:\Program Files\Microsoft Office\root\Office16\";
    private const string Svchost = @"C:\Windows\System32\svchost.exe";
    private const string DcomLaunch = @"C:\Windows\system32\svchost.exe -k DcomLaunch -p";
    private const string Schedule = @"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule";
    private const string Teams = @"C:\Program Files\WindowsApps\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe\ms-teams.exe";
    private const string Home = @"C:\Users\{user}\";

    public static readonly string[] Users = ["tanaka", "suzuki", "sato", "takahashi", "watanabe", "ito", "yamamoto", "nakamura", "kobayashi", "kato"];

    public static readonly string[] Documents = ["議事録.docx", "予算案_2025.xlsx", "住民票交付申請.pdf", "会議資料_第3回.pptx", "業務報告書.docx", "report_q3.docx", "防災計画(案).docx", "窓口対応マニュアル.pdf"];

    public static readonly string[] Hosts = ["PC-0142.example.lg.jp", "PC-0388.example.lg.jp", "PC-1021.example.lg.jp", "SRV-FILE01.example.lg.jp", "PC-0007.example.lg.jp", "PC-0913.example.lg.jp"];

    public static readonly BenignProcess[] Processes =
    [
        new(Svchost, @"C:\Windows\system32\svchost.exe -k netsvcs -p", Services, Services, "Host Process for Windows Services", System, Sys32),
        new(Svchost, @"C:\Windows\system32\svchost.exe -k LocalServiceNetworkRestricted -p -s EventLog", Services, Services, "Host Process for Windows Services", LocalService, Sys32),
        new(Svchost, @"C:\Windows\System32\svchost.exe -k NetworkService -p -s Dnscache", Services, Services, "Host Process for Windows Services", NetworkService, Sys32),
        new(Svchost, @"C:\Windows\system32\svchost.exe -k UnistackSvcGroup -s CDPUserSvc", Services, Services, "Host Process for Windows Services", Interactive, Sys32),
        new(@"C:\Windows\System32\RuntimeBroker.exe", @"C:\Windows\System32\RuntimeBroker.exe -Embedding", Svchost, DcomLaunch, "Runtime Broker", Interactive, Sys32),
        new(@"C:\Windows\System32\backgroundTaskHost.exe", "\"C:\\Windows\\system32\\backgroundTaskHost.exe\" -ServerName:BackgroundTaskHost.WebAccountProvider", Svchost, DcomLaunch, "Background Task Host", Interactive, Sys32),
        new(@"C:\Windows\System32\conhost.exe", @"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1", @"C:\Program Files\Git\cmd\git.exe", "\"C:\\Program Files\\Git\\cmd\\git.exe\" fetch --all", "Console Window Host", Interactive, Home + @"source\repos\kintai"),
        new(Explorer, @"C:\Windows\Explorer.EXE", @"C:\Windows\System32\userinit.exe", @"C:\Windows\system32\userinit.exe", "Windows Explorer", Interactive, Sys32),
        new(@"C:\Windows\System32\userinit.exe", @"C:\Windows\system32\userinit.exe", @"C:\Windows\System32\winlogon.exe", "winlogon.exe", "Userinit Logon Application", Interactive, Sys32),
        new(Chrome, "\"" + Chrome + "\"", Explorer, @"C:\Windows\Explorer.EXE", "Google Chrome", Interactive, @"C:\Program Files\Google\Chrome\Application\130.0.6723.92\", "Google Chrome", "Google LLC", "130.0.6723.92"),
        new(Chrome, "\"" + Chrome + "\" --type=renderer --lang=ja --num-raster-threads=2 --renderer-client-id={n} --launch-time-ticks={n} --field-trial-handle=1900,i,{n},262144 /prefetch:1", Chrome, "\"" + Chrome + "\"", "Google Chrome", Interactive, @"C:\Program Files\Google\Chrome\Application\130.0.6723.92\", "Google Chrome", "Google LLC", "130.0.6723.92"),
        new(Chrome, "\"" + Chrome + "\" --type=gpu-process --gpu-preferences=UAAAAAAAAADgAAAYAAAAAAAAAAAAAAAAAABgAAAAAAAwAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= --mojo-platform-channel-handle={n} /prefetch:2", Chrome, "\"" + Chrome + "\"", "Google Chrome", Interactive, @"C:\Program Files\Google\Chrome\Application\130.0.6723.92\", "Google Chrome", "Google LLC", "130.0.6723.92"),
        new(Edge, "\"" + Edge + "\" --profile-directory=Default", Explorer, @"C:\Windows\Explorer.EXE", "Microsoft Edge", Interactive, @"C:\Program Files (x86)\Microsoft\Edge\Application\130.0.2849.68\", "Microsoft Edge", FileVersion: "130.0.2849.68"),
        new(Edge, "\"" + Edge + "\" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=ja --service-sandbox-type=none --mojo-platform-channel-handle={n} /prefetch:3", Edge, "\"" + Edge + "\" --profile-directory=Default", "Microsoft Edge", Interactive, @"C:\Program Files (x86)\Microsoft\Edge\Application\130.0.2849.68\", "Microsoft Edge", FileVersion: "130.0.2849.68"),
        new(@"C:\Program Files (x86)\Microsoft\EdgeWebView\Application\130.0.2849.68\msedgewebview2.exe", "\"C:\\Program Files (x86)\\Microsoft\\EdgeWebView\\Application\\130.0.2849.68\\msedgewebview2.exe\" --embedded-browser-webview=1 --webview-exe-name=ms-teams.exe --lang=ja-JP --mojo-named-platform-channel-pipe={n}", Teams, "\"" + Teams + "\"", "Microsoft Edge WebView2", Interactive, Home, "Microsoft Edge WebView2", FileVersion: "130.0.2849.68"),
        new(Teams, "\"" + Teams + "\"", Explorer, @"C:\Windows\Explorer.EXE", "Microsoft Teams", Interactive, Home, "Microsoft Teams", FileVersion: "24295.605.3225.8804"),
        new(@"C:\Program Files\Microsoft OneDrive\OneDrive.exe", "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background", Explorer, @"C:\Windows\Explorer.EXE", "Microsoft OneDrive", Interactive, Home, "Microsoft OneDrive", FileVersion: "24.211.1020.0002"),
        new(Home + @"AppData\Local\Microsoft\OneDrive\OneDriveStandaloneUpdater.exe", "\"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDriveStandaloneUpdater.exe\" /reporting", Svchost, Schedule, "Standalone Updater", Interactive, Sys32, "Microsoft OneDrive", FileVersion: "24.211.1020.0002"),
        new(Office + "WINWORD.EXE", "\"" + Office + "WINWORD.EXE\" /n \"C:\\Users\\{user}\\Documents\\{doc}\"", Explorer, @"C:\Windows\Explorer.EXE", "Microsoft Word", Interactive, Home + "Documents\\", "Microsoft Office", FileVersion: "16.0.17928.20156"),
        new(Office + "EXCEL.EXE", "\"" + Office + "EXCEL.EXE\" \"C:\\Users\\{user}\\Documents\\{doc}\"", Explorer, @"C:\Windows\Explorer.EXE", "Microsoft Excel", Interactive, Home + "Documents\\", "Microsoft Office", FileVersion: "16.0.17928.20156"),
        new(Office + "OUTLOOK.EXE", "\"" + Office + "OUTLOOK.EXE\"", Explorer, @"C:\Windows\Explorer.EXE", "Microsoft Outlook", Interactive, Office, "Microsoft Office", FileVersion: "16.0.17928.20156"),
        new(Office + "POWERPNT.EXE", "\"" + Office + "POWERPNT.EXE\" \"C:\\Users\\{user}\\Documents\\{doc}\"", Office + "OUTLOOK.EXE", "\"" + Office + "OUTLOOK.EXE\"", "Microsoft PowerPoint", Interactive, Home + "Documents\\", "Microsoft Office", FileVersion: "16.0.17928.20156"),
        new(@"C:\Program Files\Common Files\microsoft shared\ClickToRun\OfficeClickToRun.exe", "\"C:\\Program Files\\Common Files\\microsoft shared\\ClickToRun\\OfficeClickToRun.exe\" /service", Services, Services, "Microsoft Office Click-to-Run (SxS)", System, Sys32, "Microsoft Office", FileVersion: "16.0.17928.20156"),
        new(@"C:\Program Files\Adobe\Acrobat DC\Acrobat\Acrobat.exe", "\"C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe\" \"C:\\Users\\{user}\\Downloads\\{doc}\"", Explorer, @"C:\Windows\Explorer.EXE", "Adobe Acrobat", Interactive, Home + "Downloads\\", "Adobe Acrobat", "Adobe Inc.", "24.4.20220.0"),
        new(@"C:\Windows\System32\notepad.exe", "\"C:\\Windows\\system32\\notepad.exe\" C:\\Users\\{user}\\Desktop\\メモ_{n}.txt", Explorer, @"C:\Windows\Explorer.EXE", "Notepad", Interactive, Home + "Desktop\\"),
        new(@"C:\Windows\System32\taskhostw.exe", "taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}", Svchost, Schedule, "Host Process for Windows Tasks", Interactive, Sys32),
        new(@"C:\Windows\System32\SearchProtocolHost.exe", "\"C:\\Windows\\system32\\SearchProtocolHost.exe\" Global\\UsGthrFltPipeMssGthrPipe{n}_ Global\\UsGthrCtrlFltPipeMssGthrPipe{n} 1 -2147483646 \"Software\\Microsoft\\Windows Search\" \"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)\" \"C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc\" \"DownLevelDaemon\"", @"C:\Windows\System32\SearchIndexer.exe", @"C:\Windows\system32\SearchIndexer.exe /Embedding", "Microsoft Windows Search Protocol Host", System, Sys32),
        new(@"C:\Windows\System32\SearchFilterHost.exe", "\"C:\\Windows\\system32\\SearchFilterHost.exe\" 0 {n} {n} {n} {n} {n}", @"C:\Windows\System32\SearchIndexer.exe", @"C:\Windows\system32\SearchIndexer.exe /Embedding", "Microsoft Windows Search Filter Host", System, Sys32),
        new(@"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MpCmdRun.exe", "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe\" SignatureUpdate -ScheduleJob -RestrictPrivileges", Svchost, Schedule, "Microsoft Malware Protection Command Line Utility", System, Sys32, FileVersion: "4.18.24090.11"),
        new(@"C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.22621.4160_none_7f5eae4b7c06d2d9\TiWorker.exe", @"C:\Windows\winsxs\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.22621.4160_none_7f5eae4b7c06d2d9\TiWorker.exe -Embedding", Svchost, DcomLaunch, "Windows Modules Installer Worker", System, Sys32),
        new(@"C:\Windows\servicing\TrustedInstaller.exe", @"C:\Windows\servicing\TrustedInstaller.exe", Services, Services, "Windows Modules Installer", System, Sys32),
        new(@"C:\Windows\System32\dllhost.exe", @"C:\Windows\system32\DllHost.exe /Processid:{973D20D7-562D-44B9-B70B-5A0F49CCDF3F}", Svchost, DcomLaunch, "COM Surrogate", Interactive, Sys32),
        new(@"C:\Windows\System32\smartscreen.exe", @"C:\Windows\System32\smartscreen.exe -Embedding", Svchost, DcomLaunch, "Windows Defender SmartScreen", Interactive, Sys32),
        new(@"C:\Windows\System32\ctfmon.exe", "\"ctfmon.exe\"", Svchost, @"C:\Windows\system32\svchost.exe -k LocalSystemNetworkRestricted -p -s TabletInputService", "CTF Loader", Interactive, Sys32),
        new(@"C:\Windows\System32\sihost.exe", "sihost.exe", Svchost, @"C:\Windows\system32\svchost.exe -k netsvcs -p -s UserManager", "Shell Infrastructure Host", Interactive, Sys32),
        new(@"C:\Windows\SystemApps\Microsoft.Windows.StartMenuExperienceHost_cw5n1h2txyewy\StartMenuExperienceHost.exe", "\"C:\\Windows\\SystemApps\\Microsoft.Windows.StartMenuExperienceHost_cw5n1h2txyewy\\StartMenuExperienceHost.exe\" -ServerName:App.AppXywbrabmsek0gm3tkwpr5kwzbs55tkqay.mca", Svchost, DcomLaunch, "Windows Start Experience Host", Interactive, @"C:\Windows\SystemApps\Microsoft.Windows.StartMenuExperienceHost_cw5n1h2txyewy\"),
        new(Home + @"AppData\Local\Programs\Microsoft VS Code\Code.exe", "\"C:\\Users\\{user}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe\"", Explorer, @"C:\Windows\Explorer.EXE", "Visual Studio Code", Interactive, Home + @"AppData\Local\Programs\Microsoft VS Code\", "Visual Studio Code", FileVersion: "1.95.3"),
        new(Home + @"AppData\Roaming\Zoom\bin\Zoom.exe", "\"C:\\Users\\{user}\\AppData\\Roaming\\Zoom\\bin\\Zoom.exe\" \"--url=https://example.zoom.us/j/{n}\"", Chrome, "\"" + Chrome + "\"", "Zoom Meetings", Interactive, Home + @"AppData\Roaming\Zoom\bin\", "Zoom Meetings", "Zoom Video Communications, Inc.", "6.2.7"),
        new(@"C:\Program Files\Mozilla Firefox\firefox.exe", "\"C:\\Program Files\\Mozilla Firefox\\firefox.exe\" -contentproc --channel={n} -childID {n} -isForBrowser -prefsLen 31249 -prefMapSize 244787 -parentBuildID 20241104 -appDir \"C:\\Program Files\\Mozilla Firefox\\browser\" 6924 tab", @"C:\Program Files\Mozilla Firefox\firefox.exe", "\"C:\\Program Files\\Mozilla Firefox\\firefox.exe\"", "Firefox", Interactive, @"C:\Program Files\Mozilla Firefox\", "Firefox", "Mozilla Corporation", "132.0.2"),
        new(@"C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe", "\"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe\" /ua /installsource scheduler", Svchost, Schedule, "Microsoft Edge Update", System, Sys32, "Microsoft Edge Update", FileVersion: "1.3.195.31"),
        new(@"C:\Program Files (x86)\Google\Update\GoogleUpdate.exe", "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /ua /installsource scheduler", Svchost, Schedule, "Google Installer", System, Sys32, "Google Update", "Google LLC", "1.3.36.372"),
        new(@"C:\Windows\System32\spoolsv.exe", @"C:\Windows\System32\spoolsv.exe", Services, Services, "Spooler SubSystem App", System, Sys32),
        new(@"C:\Windows\System32\wbem\WmiPrvSE.exe", @"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding", Svchost, DcomLaunch, "WMI Provider Host", NetworkService, Sys32),
        new(@"C:\Windows\System32\audiodg.exe", @"C:\Windows\system32\AUDIODG.EXE 0x{n}", Svchost, @"C:\Windows\system32\svchost.exe -k LocalServiceNetworkRestricted -p -s Audiosrv", "Windows Audio Device Graph Isolation", LocalService, Sys32),
        new(@"C:\Program Files (x86)\JustSystems\Ichitaro\TAROU.EXE", "\"C:\\Program Files (x86)\\JustSystems\\Ichitaro\\TAROU.EXE\" \"C:\\Users\\{user}\\Documents\\{doc}\"", Explorer, @"C:\Windows\Explorer.EXE", "一太郎", Interactive, Home + "Documents\\", "一太郎", "JustSystems Corporation", "34.0.1.0"),
    ];

    /// <summary>
    /// The processes that make outbound connections in the mix (Sysmon 3). Office, dllhost and notepad
    /// are left out on purpose: SigmaHQ flags their connections to arbitrary public addresses, which is
    /// a detection, not background noise.
    /// </summary>
    public static readonly BenignProcess[] NetworkClients = [.. Processes.Where(p =>
        new[] { @"\chrome.exe", @"\msedge.exe", @"irefox.exe", @"\ms-teams.exe", @"\msedgewebview2.exe", @"\OneDrive.exe", @"\svchost.exe", @"\Zoom.exe", "Update.exe" }
            .Any(n => p.Image.EndsWith(n, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>Benign DLLs that processes load (Sysmon 7).</summary>
    public static readonly string[] Dlls =
    [
        @"C:\Windows\System32\kernel32.dll", @"C:\Windows\System32\KernelBase.dll", @"C:\Windows\System32\ntdll.dll", @"C:\Windows\System32\user32.dll",
        @"C:\Windows\System32\combase.dll", @"C:\Windows\System32\ole32.dll", @"C:\Windows\System32\rpcrt4.dll", @"C:\Windows\System32\bcrypt.dll",
        @"C:\Windows\System32\crypt32.dll", @"C:\Windows\System32\winhttp.dll", @"C:\Windows\System32\dwmapi.dll", @"C:\Windows\System32\uxtheme.dll",
        @"C:\Windows\System32\windows.storage.dll", @"C:\Windows\System32\propsys.dll", @"C:\Windows\System32\d3d11.dll", @"C:\Windows\System32\dxgi.dll",
        @"C:\Program Files\Microsoft Office\root\vfs\ProgramFilesCommonX64\Microsoft Shared\Office16\mso20win32client.dll",
        @"C:\Program Files\Google\Chrome\Application\130.0.6723.92\chrome_elf.dll",
    ];

    /// <summary>Benign files that get created (Sysmon 11); {user}/{n}/{doc} are filled per event.</summary>
    public static readonly string[] CreatedFiles =
    [
        Home + @"AppData\Local\Google\Chrome\User Data\Default\Cache\Cache_Data\f_{n}",
        Home + @"AppData\Local\Microsoft\Edge\User Data\Default\Network\Cookies-journal",
        Home + @"AppData\Local\Microsoft\Windows\INetCache\Content.MSO\{n}.tmp",
        Home + @"Documents\~${doc}",
        Home + @"AppData\Roaming\Microsoft\Word\{doc}.asd",
        Home + @"OneDrive - example.lg.jp\共有\{doc}",
        Home + @"Downloads\{doc}",
        Home + @"AppData\Local\Temp\{n}.etl",
        @"C:\Windows\Prefetch\SVCHOST.EXE-{n}.pf",
        @"C:\ProgramData\Microsoft\Windows Defender\Scans\History\Service\DetectionHistory\{n}",
        @"C:\Windows\SoftwareDistribution\DataStore\Logs\edb{n}.jrs",
        @"C:\Windows\ServiceProfiles\LocalService\AppData\Local\lastalive{n}.dat",
    ];

    /// <summary>Benign registry writes (Sysmon 13).</summary>
    public static readonly (string Key, string Details)[] RegistryValues =
    [
        (@"HKU\S-1-5-21-1004336348-1177238915-682003330-{n}\Software\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs\.docx\{n}", "Binary Data"),
        (@"HKU\S-1-5-21-1004336348-1177238915-682003330-{n}\Software\Microsoft\Office\16.0\Word\Reading Locations\Document 0\File Path", @"C:\Users\{user}\Documents\{doc}"),
        (@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\SessionsPending\Exclusive", "DWORD (0x00000000)"),
        (@"HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\S-1-5-21-1004336348-1177238915-682003330-{n}\\Device\HarddiskVolume3\Program Files\Google\Chrome\Application\chrome.exe", "Binary Data"),
        (@"HKU\S-1-5-21-1004336348-1177238915-682003330-{n}\Software\Microsoft\Windows\CurrentVersion\Explorer\UserAssist\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\Count\HRZR_PGYFRFFVBA", "Binary Data"),
        (@"HKLM\SOFTWARE\Microsoft\Windows Defender\Signature Updates\SignaturesLastUpdated", "QWORD (0x01db2f1a-0x{n})"),
        (@"HKU\S-1-5-21-1004336348-1177238915-682003330-{n}\Software\Microsoft\OneDrive\Accounts\Business1\LastSignInTime", "DWORD (0x{n})"),
        (@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon\AutoRestartShell", "DWORD (0x00000001)"),
        (@"HKU\S-1-5-21-1004336348-1177238915-682003330-{n}\Software\Microsoft\Windows\CurrentVersion\Internet Settings\ZoneMap\ProxyBypass", "DWORD (0x00000001)"),
        (@"HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Config\LastKnownGoodTime", "QWORD (0x{n}-0x01db2f1a)"),
    ];

    /// <summary>Benign DNS names and where they resolve (Sysmon 22, Sysmon 3).</summary>
    public static readonly (string Name, string Address)[] Destinations =
    [
        ("www.google.com", "142.250.196.100"), ("outlook.office365.com", "52.98.159.2"), ("login.microsoftonline.com", "20.190.160.14"),
        ("teams.microsoft.com", "52.113.194.132"), ("example-my.sharepoint.com", "13.107.136.10"), ("update.googleapis.com", "142.250.207.3"),
        ("ctldl.windowsupdate.com", "23.43.164.32"), ("settings-win.data.microsoft.com", "20.42.65.85"), ("www.e-gov.go.jp", "210.149.141.85"),
        ("www.city.example.lg.jp", "203.0.113.80"), ("fileserver.example.lg.jp", "10.20.1.15"), ("dc01.example.lg.jp", "10.0.0.10"),
    ];
}
