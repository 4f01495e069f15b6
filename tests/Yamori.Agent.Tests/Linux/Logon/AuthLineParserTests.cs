using Yamori.Agent.Linux.Logon;

namespace Yamori.Agent.Tests.Linux.Logon;

/// <summary>
/// Message shapes of OpenSSH 9, util-linux su, sudo 1.9 and shadow's login, as Debian writes them.
/// The su, sudo and sshd shapes are also produced for real by <see cref="RealLogonTests"/>.
/// </summary>
public sealed class AuthLineParserTests
{
    [Theory]
    [InlineData("sshd", "Accepted publickey for alice from 192.0.2.1 port 5000 ssh2: ED25519 SHA256:x", "ssh", "success", "alice", null, "192.0.2.1")]
    [InlineData("sshd", "Accepted keyboard-interactive/pam for bob from 2001:db8::1 port 22 ssh2", "ssh", "success", "bob", null, "2001:db8::1")]
    [InlineData("sshd", "Failed password for invalid user oracle from 203.0.113.5 port 41000 ssh2", "ssh", "failure", "oracle", null, "203.0.113.5")]
    [InlineData("sshd", "Invalid user test from 203.0.113.6 port 41001", "ssh", "failure", "test", null, "203.0.113.6")]
    [InlineData("su", "FAILED SU (to root) carol on pts/2", "su", "failure", "carol", "root", null)]
    [InlineData("su", "(to postgres) root on pts/0", "su", "success", "root", "postgres", null)]
    [InlineData("sudo", "    dave : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/dave ; USER=root ; COMMAND=/usr/bin/id", "sudo", "failure", "dave", "root", null)]
    [InlineData("sudo", "    dave : TTY=pts/1 ; PWD=/home/dave ; USER=root ; COMMAND=/usr/bin/apt update", "sudo", "success", "dave", "root", null)]
    [InlineData("login", "FAILED LOGIN (1) on '/dev/tty2' FOR 'UNKNOWN', Authentication failure", "console", "failure", "UNKNOWN", null, null)]
    [InlineData("login", "pam_unix(login:session): session opened for user erin(uid=1002) by LOGIN(uid=0)", "console", "success", "erin", null, null)]
    public void Logon_messages_are_normalized(string program, string message, string type, string outcome, string user, string? target, string? ip)
    {
        LogonFacts facts = AuthLineParser.Classify(program, message)!;
        Assert.NotNull(facts);
        Assert.Equal((type, outcome, user, target, ip), (facts.LogonType, facts.Outcome, facts.User, facts.TargetUser, facts.SourceIp));
    }

    [Theory]
    [InlineData("sshd", "Connection closed by authenticating user alice 192.0.2.1 port 5000 [preauth]")]
    [InlineData("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=127.0.0.1  user=alice")]
    [InlineData("su", "pam_unix(su:auth): authentication failure; logname=carol uid=1000 euid=0 tty=/dev/pts/2 ruser=carol rhost=  user=root")]
    [InlineData("CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")]
    public void Other_messages_are_not_logons(string program, string message) => Assert.Null(AuthLineParser.Classify(program, message));

    [Fact]
    public void Both_rsyslog_header_formats_are_read()
    {
        AuthLine traditional = AuthLineParser.Parse("Nov  6 09:48:27 host1 sshd[42]: Invalid user x from 10.0.0.1 port 1", new DateTime(2026, 11, 26));
        Assert.Equal(("host1", "sshd", 42), (traditional.Host, traditional.Program, traditional.Pid!.Value));
        Assert.Equal(new DateTime(2026, 11, 6, 9, 48, 27), traditional.Time!.Value.DateTime);

        AuthLine rfc = AuthLineParser.Parse("2026-11-26T09:48:27.654321+00:00 host2 su: pam_unix(su:auth): auth could not identify password for [root]", new DateTime(2026, 11, 26));
        Assert.Equal(("host2", "su", (int?)null), (rfc.Host, rfc.Program, rfc.Pid));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 9, 48, 27, TimeSpan.Zero).AddTicks(6543210), rfc.Time);

        AuthLine lastYear = AuthLineParser.Parse("Dec 31 23:59:59 h su[1]: x", new DateTime(2027, 1, 1, 0, 0, 5));
        Assert.Equal(2026, lastYear.Time!.Value.Year);

        AuthLine bare = AuthLineParser.Parse("not a syslog line", new DateTime(2026, 11, 26));
        Assert.Equal(("not a syslog line", (string?)null), (bare.Message, bare.Program));
    }
}
