using System.Collections.Concurrent;
using System.Diagnostics;
using Yamori.Agent.Linux.Processes;
using SysProcess = System.Diagnostics.Process;

namespace Yamori.Agent.Tests.Linux.Processes;

/// <summary>The audit feed against the real kernel: real execs, real rules, real multicast records.</summary>
[Collection(AuditCollection.Name)]
public sealed class AuditExecFeedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task The_feed_receives_the_argv_image_and_directory_of_a_real_exec_and_keeps_real_records()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        string marker = LinuxTestSupport.Marker();
        var execs = new ConcurrentQueue<AuditExec>();
        var raw = new ConcurrentQueue<(ushort Type, string Text)>();
        string cwd = Directory.CreateTempSubdirectory("yamori-audit-").FullName;
        using (AuditExecFeed feed = AuditExecFeed.Open(new AuditFeedOptions { EnableAudit = true }))
        {
            feed.Observer = execs.Enqueue;
            feed.RawObserver = (type, text) => raw.Enqueue((type, text));

            // Arguments the kernel must hex-encode (a space, a quote) next to plain ones.
            using SysProcess p = LinuxTestSupport.Start("/bin/echo", [marker, "two words", "say \"hi\""], cwd);
            await p.WaitForExitAsync();

            AuditExec exec = await WaitForAsync(execs, e => e.ProcessId == p.Id, "the echo's audit record");
            Assert.Equal($"/bin/echo {marker} two words say \"hi\"", exec.CommandLine);
            Assert.Equal(LinuxTestSupport.RealPath("/bin/echo"), exec.Image);
            Assert.Equal(cwd, exec.CurrentDirectory);
            Assert.Equal(Environment.ProcessId, exec.ParentProcessId);
            Assert.True(exec.Complete);
            Assert.Equal(0u, exec.Uid);
            Assert.InRange(exec.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.Equal(0, feed.Malformed);

            // The real records of that exec, replayed through a fresh assembler, give the same exec.
            (ushort Type, string Text)[] records = [.. raw.Where(r => r.Text.Contains($":{exec.Serial}):", StringComparison.Ordinal))];
            Assert.Contains(records, r => r.Type == AuditRecordAssembler.Execve && r.Text.Contains("argc=4", StringComparison.Ordinal));
            Assert.Contains(records, r => r.Type == AuditRecordAssembler.Syscall && r.Text.Contains("key=", StringComparison.Ordinal));
            Assert.Contains(records, r => r.Type == AuditRecordAssembler.Eoe);
            var replayed = new List<AuditExec>();
            var assembler = new AuditRecordAssembler(replayed.Add);
            foreach ((ushort type, string text) in records)
            {
                assembler.Add(type, System.Text.Encoding.UTF8.GetBytes(text), Stopwatch.GetTimestamp());
            }

            Assert.Equal(exec, Assert.Single(replayed));
            string sample = string.Join('\n', records.Select(r => $"{r.Type} {r.Text}"));
            Assert.Contains("two words", exec.CommandLine, StringComparison.Ordinal);
            Assert.DoesNotContain("two words", sample, StringComparison.Ordinal); // hex-encoded on the wire
        }

        Directory.Delete(cwd, recursive: true);
    }

    [SkippableFact]
    public void The_feed_removes_its_own_rules_on_dispose_and_leaves_an_auditd_style_rule_alone()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        Skip.IfNot(File.Exists("/usr/sbin/auditctl") || File.Exists("/sbin/auditctl"), "auditctl (apt-get install auditd) is needed to list rules independently");
        const string OtherKey = "yamori-test-other";
        using AuditExecFeed feed = AuditExecFeed.Open(new AuditFeedOptions { EnableAudit = true });
        try
        {
            // The bench's auditd rule: same syscall and arch, another key; it must survive our dispose.
            _ = Auditctl("-a", "exit,always", "-F", "arch=b64", "-S", "execve", "-k", OtherKey);
            string[] during = Auditctl("-l").Split('\n');
            Assert.Contains("-a always,exit -F arch=b64 -S execve,execveat -F key=yamori", during);
            Assert.Contains("-a always,exit -F arch=b32 -S execve,execveat -F key=yamori", during);
            Assert.Contains("-a always,exit -F arch=b64 -S execve -F key=" + OtherKey, during);

            feed.Dispose();
            string[] after = Auditctl("-l").Split('\n');
            Assert.DoesNotContain(after, l => l.EndsWith("key=yamori", StringComparison.Ordinal));
            Assert.Contains("-a always,exit -F arch=b64 -S execve -F key=" + OtherKey, after);
        }
        finally
        {
            _ = Auditctl("-d", "exit,always", "-F", "arch=b64", "-S", "execve", "-k", OtherKey);
        }
    }

    [SkippableFact]
    public void Audit_left_disabled_is_reported_unavailable_unless_enabling_is_allowed()
    {
        Skip.IfNot(LinuxTestSupport.IsLinuxRoot, LinuxTestSupport.NeedsRoot);
        Skip.If(AuditStatusLine("pid") != "0", "an audit daemon is registered: auditing must stay on");
        Skip.If(AuditStatusLine("enabled") != "0", "auditing is enabled on this machine; the disabled case cannot be shown without turning it off");
        var ex = Assert.Throws<Yamori.Agent.Telemetry.CollectorUnavailableException>(() => AuditExecFeed.Open());
        Assert.Contains("disabled", ex.Message, StringComparison.Ordinal);
        Assert.Equal("0", AuditStatusLine("enabled"));

        using (AuditExecFeed.Open(new AuditFeedOptions { EnableAudit = true }))
        {
            Assert.Equal("1", AuditStatusLine("enabled"));
        }

        Assert.Equal("0", AuditStatusLine("enabled"));
    }

    internal static async Task<AuditExec> WaitForAsync(ConcurrentQueue<AuditExec> execs, Func<AuditExec, bool> predicate, string what)
    {
        DateTime deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (execs.FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"no audit exec for {what} within {Timeout.TotalSeconds:0}s ({execs.Count} seen)");
    }

    internal static string Auditctl(params string[] args)
    {
        var psi = new ProcessStartInfo("auditctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using SysProcess p = SysProcess.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    private static string? AuditStatusLine(string name) =>
        Auditctl("-s").Split('\n').Select(l => l.Split(' ')).FirstOrDefault(f => f.Length >= 2 && f[0] == name)?[1];
}

/// <summary>Tests that add audit rules or flip the audit switch run one at a time: the kernel's audit state is global.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AuditCollection
{
    public const string Name = "kernel audit state";
}
