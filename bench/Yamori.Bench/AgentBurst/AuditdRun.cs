using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;

namespace Yamori.Bench.AgentBurst;

/// <summary>
/// Debian's auditd as the reference: started in the foreground (no systemd here), one execve rule
/// added for the burst, removed afterwards, and the daemon stopped and auditing disabled again if
/// it was off before. It runs with its own configuration directory (<c>auditd -c</c>) and log
/// file, without rotation, so the count sees every record of the burst and the system's
/// /var/log/audit is left alone.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class AuditdRun : IDisposable
{
    private const string Key = "yamori-burst";

    private readonly Process _daemon;
    private readonly bool _wasEnabled;
    private readonly string _directory;

    private AuditdRun(Process daemon, bool wasEnabled, string directory)
    {
        _daemon = daemon;
        _wasEnabled = wasEnabled;
        _directory = directory;
    }

    public string LogPath => Path.Combine(_directory, "audit.log");

    public static AuditdRun Start()
    {
        string status = Run("auditctl", "-s");
        if (PidRegex().Match(status) is { Success: true } m && m.Groups[1].Value != "0")
        {
            throw new InvalidOperationException($"an audit daemon is already registered (pid {m.Groups[1].Value}); stop it first");
        }

        bool wasEnabled = EnabledRegex().Match(status) is { Success: true } e && e.Groups[1].Value != "0";
        string directory = Directory.CreateTempSubdirectory("yamori-auditd-").FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(directory, "auditd.conf"), $"""
            local_events = yes
            write_logs = yes
            log_file = {Path.Combine(directory, "audit.log")}
            log_format = RAW
            flush = INCREMENTAL_ASYNC
            freq = 50
            max_log_file = 4096
            max_log_file_action = IGNORE
            num_logs = 1
            priority_boost = 4
            space_left = 75
            space_left_action = IGNORE
            admin_space_left = 50
            admin_space_left_action = IGNORE
            disk_full_action = IGNORE
            disk_error_action = IGNORE
            q_depth = 2000
            overflow_action = IGNORE

            """);
        File.SetUnixFileMode(Path.Combine(directory, "auditd.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var psi = new ProcessStartInfo("auditd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(directory);
        Process daemon = Process.Start(psi) ?? throw new InvalidOperationException("cannot start auditd");
        daemon.ErrorDataReceived += (_, _) => { };
        daemon.OutputDataReceived += (_, _) => { };
        daemon.BeginErrorReadLine();
        daemon.BeginOutputReadLine();
        var run = new AuditdRun(daemon, wasEnabled, directory);
        var wait = Stopwatch.StartNew();
        while (PidRegex().Match(Run("auditctl", "-s")) is not { Success: true } p || p.Groups[1].Value == "0")
        {
            if (daemon.HasExited || wait.Elapsed > TimeSpan.FromSeconds(15))
            {
                run.Dispose();
                throw new InvalidOperationException("auditd did not register with the kernel");
            }

            Thread.Sleep(100);
        }

        // Debian's default audit.rules sets an 8192-record backlog; the kernel default (64) would
        // lose most of a burst, which would not be a fair comparison.
        _ = Run("auditctl", "-b", "8192");
        _ = Run("auditctl", "-a", "exit,always", "-F", "arch=b64", "-S", "execve", "-k", Key);
        return run;
    }

    /// <summary>Records lost by the kernel's audit queue so far (auditctl -s "lost").</summary>
    public static long Lost() =>
        LostRegex().Match(Run("auditctl", "-s")) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;

    /// <summary>EXECVE records carrying the marker, and execve SYSCALL records whose parent is <paramref name="parentPid"/>, since the run started.</summary>
    public (int Execve, int Syscall) Count(string marker, int parentPid)
    {
        var execve = new HashSet<string>();
        var syscall = new HashSet<string>();
        string ppid = " ppid=" + parentPid.ToString(CultureInfo.InvariantCulture) + " ";
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            string id = IdRegex().Match(line).Value;
            if (line.StartsWith("type=EXECVE ", StringComparison.Ordinal) && line.Contains(marker, StringComparison.Ordinal))
            {
                execve.Add(id);
            }
            else if (line.StartsWith("type=SYSCALL ", StringComparison.Ordinal) && line.Contains(" syscall=59 ", StringComparison.Ordinal)
                && line.Contains(ppid, StringComparison.Ordinal))
            {
                syscall.Add(id);
            }
        }

        return (execve.Count, syscall.Count);
    }

    public void Dispose()
    {
        try
        {
            _ = Run("auditctl", "-d", "exit,always", "-F", "arch=b64", "-S", "execve", "-k", Key);
        }
        catch (InvalidOperationException)
        {
            // Not added (start failed).
        }

        if (!_daemon.HasExited)
        {
            // SIGTERM: auditd flushes and deregisters.
            _ = Run("kill", "-TERM", _daemon.Id.ToString(CultureInfo.InvariantCulture));
            _ = _daemon.WaitForExit(TimeSpan.FromSeconds(10));
        }

        if (!_wasEnabled)
        {
            _ = Run("auditctl", "-e", "0");
        }

        _daemon.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {output.Trim()}");
        }

        return output;
    }

    [GeneratedRegex(@"^pid (\d+)", RegexOptions.Multiline)]
    private static partial Regex PidRegex();

    [GeneratedRegex(@"^enabled (\d+)", RegexOptions.Multiline)]
    private static partial Regex EnabledRegex();

    [GeneratedRegex(@"^lost (\d+)", RegexOptions.Multiline)]
    private static partial Regex LostRegex();

    [GeneratedRegex(@"msg=audit\([0-9.:]+\)")]
    private static partial Regex IdRegex();
}
