using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Yamori.Agent.Tests.Linux.Logon;

/// <summary>
/// A real syslog pipeline for the logon tests: this machine has no journald and no syslog daemon,
/// so the fixture runs Debian's rsyslogd on /dev/log, writing the auth facilities to a temporary
/// auth.log, and creates a throw-away local user with a password. Programs (su, sudo, sshd,
/// useradd) log through syslog(3) as they do in production; nothing is written by the test itself.
/// </summary>
public sealed class RealAuthEnvironment : IDisposable
{
    public const string UserName = "yamori-lt";
    public const string Password = "Correct-horse-9";

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("yamori-auth-");
    private readonly Process? _rsyslogd;
    private readonly bool _userCreated;
    private Process? _sshd;

    public RealAuthEnvironment()
    {
        AuthLog = Path.Combine(_temp.FullName, "auth.log");
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Unavailable = "needs root on Linux (creates a user, runs rsyslogd on /dev/log)";
            return;
        }

        if (!System.IO.File.Exists("/usr/sbin/rsyslogd"))
        {
            Unavailable = "rsyslogd is not installed (apt-get install rsyslog)";
            return;
        }

        StopLeftoversOfAbortedRuns();
        if (SyslogSocketState() == SocketState.Live)
        {
            Unavailable = "/dev/log is served by another syslog daemon, and where it writes auth messages is unknown";
            return;
        }

        // A socket nobody listens on is left over from a daemon that died; syslog(3) messages are lost there anyway.
        System.IO.File.Delete("/dev/log");

        string conf = Path.Combine(_temp.FullName, "rsyslog.conf");
        System.IO.File.WriteAllText(conf, $"""
            global(workDirectory="{_temp.FullName}")
            module(load="imuxsock" SysSock.Name="/dev/log")
            auth,authpriv.*  action(type="omfile" file="{AuthLog}")
            """);
        _rsyslogd = Start("/usr/sbin/rsyslogd", "-n", "-f", conf, "-i", Path.Combine(_temp.FullName, "rsyslogd.pid"));
        if (!WaitFor(() => System.IO.File.Exists("/dev/log") || _rsyslogd.HasExited))
        {
            Unavailable = "rsyslogd did not create /dev/log";
            return;
        }

        if (_rsyslogd.HasExited)
        {
            Unavailable = "rsyslogd exited: " + _rsyslogd.StandardError.ReadToEnd();
            return;
        }

        Run("/usr/sbin/userdel", "-r", UserName);
        Run("/usr/sbin/useradd", "-m", "-s", "/bin/sh", UserName);
        _userCreated = true;
        Run("/bin/sh", "-c", $"echo '{UserName}:{Password}' | chpasswd");
    }

    /// <summary>Why the real environment could not be set up; null when it runs.</summary>
    public string? Unavailable { get; }

    /// <summary>Where rsyslogd writes auth and authpriv messages.</summary>
    public string AuthLog { get; }

    /// <summary>Starts Debian's sshd on a free loopback port (once); returns the port, or null with the reason.</summary>
    public int? StartSshd(out string? reason)
    {
        reason = null;
        if (!System.IO.File.Exists("/usr/sbin/sshd") || !System.IO.File.Exists("/usr/bin/sshpass"))
        {
            reason = "openssh-server or sshpass is not installed";
            return null;
        }

        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        Directory.CreateDirectory("/run/sshd");
        Run("/usr/bin/ssh-keygen", "-A");
        _sshd = Start("/usr/sbin/sshd", "-D", "-p", port.ToString(), "-o", "ListenAddress=127.0.0.1",
            "-o", "PidFile=" + Path.Combine(_temp.FullName, "sshd.pid"), "-o", "PasswordAuthentication=yes", "-o", "UsePAM=yes");
        bool up = WaitFor(() =>
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return _sshd.HasExited;
            }
        });
        if (!up || _sshd.HasExited)
        {
            reason = "sshd did not start: " + (_sshd.HasExited ? _sshd.StandardError.ReadToEnd() : "not listening");
            return null;
        }

        return port;
    }

    public void Dispose()
    {
        Stop(_sshd);
        if (_userCreated)
        {
            Run("/usr/sbin/userdel", "-r", UserName);
        }

        if (_rsyslogd is not null)
        {
            // SIGTERM, not Kill(): rsyslogd then removes /dev/log itself.
            RealAuthEnvironment.Run("/bin/kill", "-TERM", _rsyslogd.Id.ToString());
            _rsyslogd.WaitForExit(TimeSpan.FromSeconds(30));
            Stop(_rsyslogd);
            if (SyslogSocketState() == SocketState.Stale)
            {
                System.IO.File.Delete("/dev/log");
            }
        }

        _temp.Delete(recursive: true);
    }

    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        using Process p = Start(file, args);
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill();
            throw new TimeoutException($"{file} did not finish");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static Process Start(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }

    private static void Stop(Process? p)
    {
        if (p is null)
        {
            return;
        }

        if (!p.HasExited)
        {
            // Only the daemon this fixture started, by its own process object.
            p.Kill();
            p.WaitForExit(TimeSpan.FromSeconds(30));
        }

        p.Dispose();
    }

    /// <summary>
    /// A test host that died without disposing this fixture leaves its rsyslogd and sshd running
    /// (and /dev/log served); they are recognised by this fixture's own temporary directory in
    /// their command line and stopped, so the next run is not skipped.
    /// </summary>
    private static void StopLeftoversOfAbortedRuns()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = System.IO.File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if ((cmdline.StartsWith("/usr/sbin/rsyslogd ", StringComparison.Ordinal) || cmdline.StartsWith("/usr/sbin/sshd ", StringComparison.Ordinal) || cmdline.StartsWith("sshd: /usr/sbin/sshd ", StringComparison.Ordinal)) &&
                cmdline.Contains("/tmp/yamori-auth-", StringComparison.Ordinal))
            {
                Run("/bin/kill", "-TERM", pid.ToString());
            }
        }

        WaitFor(() => SyslogSocketState() != SocketState.Live);
    }

    private static SocketState SyslogSocketState()
    {
        if (!System.IO.File.Exists("/dev/log"))
        {
            return SocketState.Absent;
        }

        using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint("/dev/log"));
            return SocketState.Live;
        }
        catch (SocketException)
        {
            return SocketState.Stale;
        }
    }

    private static bool WaitFor(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }

    private enum SocketState
    {
        Absent,
        Live,
        Stale,
    }
}

/// <summary>
/// One rsyslogd on /dev/log at a time: every test class that fails real logins shares this
/// collection (and so never runs in parallel with another that would start a second daemon).
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealAuthCollection : ICollectionFixture<RealAuthEnvironment>
{
    public const string Name = "real-auth";
}
