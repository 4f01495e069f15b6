using System.Globalization;
using System.Text.RegularExpressions;

namespace Yamori.Agent.Linux.Logon;

/// <summary>A syslog line of an auth log: its header parts and, when it records a logon, the normalized logon.</summary>
internal sealed record AuthLine(
    DateTimeOffset? Time,
    string? Host,
    string? Program,
    int? Pid,
    string Message,
    LogonFacts? Logon);

/// <summary>What a logon line says, in the collector's normalized vocabulary.</summary>
internal sealed record LogonFacts(string LogonType, string Outcome, string? User, string? TargetUser, string? SourceIp, string? Terminal);

/// <summary>
/// Parses auth.log / secure lines in both formats rsyslog writes: traditional
/// ("Nov 26 09:48:27 host prog[pid]: msg") and RFC 3339 ("2026-11-26T09:48:27.123+00:00 host prog[pid]: msg").
/// </summary>
internal static partial class AuthLineParser
{
    /// <summary>Parses one line; <paramref name="now"/> supplies the year the traditional format leaves out.</summary>
    public static AuthLine Parse(string line, DateTime now)
    {
        Match m = Rfc3339Header().Match(line);
        DateTimeOffset? time = null;
        if (m.Success)
        {
            if (DateTimeOffset.TryParse(m.Groups["ts"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out DateTimeOffset t))
            {
                time = t;
            }
        }
        else
        {
            m = TraditionalHeader().Match(line);
            if (m.Success && DateTime.TryParseExact(
                    $"{now.Year} {m.Groups["ts"].Value.Replace("  ", " ", StringComparison.Ordinal)}",
                    "yyyy MMM d HH:mm:ss",
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeLocal,
                    out DateTime local))
            {
                // A December line read in January belongs to the previous year.
                time = new DateTimeOffset(local > now.AddDays(1) ? local.AddYears(-1) : local);
            }
        }

        if (!m.Success)
        {
            return new AuthLine(null, null, null, null, line, null);
        }

        string program = m.Groups["prog"].Value;
        int? pid = int.TryParse(m.Groups["pid"].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int p) ? p : null;
        string message = m.Groups["msg"].Value;
        return new AuthLine(time, m.Groups["host"].Value, program, pid, message, Classify(program, message));
    }

    /// <summary>The logon a message records, or null for every other auth message.</summary>
    internal static LogonFacts? Classify(string program, string message)
    {
        Match m;
        switch (program)
        {
            case "sshd":
                if ((m = SshAccepted().Match(message)).Success)
                {
                    return new LogonFacts("ssh", "success", m.Groups["user"].Value, null, m.Groups["ip"].Value, null);
                }

                if ((m = SshFailed().Match(message)).Success || (m = SshInvalidUser().Match(message)).Success)
                {
                    return new LogonFacts("ssh", "failure", m.Groups["user"].Value, null, m.Groups["ip"].Value, null);
                }

                return null;
            case "su":
                // util-linux su; the pam_unix line of the same attempt stays a raw auth event so it is not counted twice.
                if ((m = SuFailed().Match(message)).Success)
                {
                    return new LogonFacts("su", "failure", m.Groups["user"].Value, m.Groups["target"].Value, null, m.Groups["tty"].Value);
                }

                if ((m = SuSucceeded().Match(message)).Success)
                {
                    return new LogonFacts("su", "success", m.Groups["user"].Value, m.Groups["target"].Value, null, m.Groups["tty"].Value);
                }

                return null;
            case "sudo":
                if ((m = SudoLine().Match(message)).Success)
                {
                    bool failed = m.Groups["problem"].Success;
                    return new LogonFacts("sudo", failed ? "failure" : "success", m.Groups["user"].Value, m.Groups["target"].Success ? m.Groups["target"].Value : null, null, m.Groups["tty"].Value);
                }

                return null;
            case "login":
                if ((m = LoginFailed().Match(message)).Success)
                {
                    return new LogonFacts("console", "failure", m.Groups["user"].Value, null, null, m.Groups["tty"].Value);
                }

                if ((m = LoginSession().Match(message)).Success)
                {
                    return new LogonFacts("console", "success", m.Groups["user"].Value, null, null, null);
                }

                return null;
            default:
                return null;
        }
    }

    [GeneratedRegex(@"^(?<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))\s+(?<host>\S+)\s+(?<prog>[^\s\[:]+)(?:\[(?<pid>\d+)\])?:\s?(?<msg>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339Header();

    [GeneratedRegex(@"^(?<ts>[A-Z][a-z]{2}\s+\d{1,2} \d\d:\d\d:\d\d)\s+(?<host>\S+)\s+(?<prog>[^\s\[:]+)(?:\[(?<pid>\d+)\])?:\s?(?<msg>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex TraditionalHeader();

    [GeneratedRegex(@"^Accepted \S+ for (?<user>\S+) from (?<ip>\S+) port \d+", RegexOptions.CultureInvariant)]
    private static partial Regex SshAccepted();

    [GeneratedRegex(@"^Failed \S+ for (?:invalid user )?(?<user>\S*) from (?<ip>\S+) port \d+", RegexOptions.CultureInvariant)]
    private static partial Regex SshFailed();

    [GeneratedRegex(@"^Invalid user (?<user>\S*) from (?<ip>\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex SshInvalidUser();

    [GeneratedRegex(@"^FAILED SU \(to (?<target>[^)]*)\) (?<user>\S+) on (?<tty>\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex SuFailed();

    [GeneratedRegex(@"^(?:\+ |Successful su )?\(to (?<target>[^)]*)\) (?<user>\S+) on (?<tty>\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex SuSucceeded();

    [GeneratedRegex(@"^\s*(?<user>\S+) : (?:(?<problem>\d+ incorrect password attempts?|user NOT in sudoers|a password is required|command not allowed) ; )?TTY=(?<tty>\S+) ; PWD=.*? ; USER=(?<target>\S+) ;", RegexOptions.CultureInvariant)]
    private static partial Regex SudoLine();

    [GeneratedRegex(@"^FAILED LOGIN \(\d+\) on '(?<tty>[^']*)' FOR '(?<user>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex LoginFailed();

    [GeneratedRegex(@"^pam_unix\(login:session\): session opened for user (?<user>[^(\s]+)", RegexOptions.CultureInvariant)]
    private static partial Regex LoginSession();
}
