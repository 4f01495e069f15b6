using Yamori.Agent.Hosting;
using Yamori.Agent.Spool;

namespace Yamori.Agent.Tests.Hosting;

public sealed class AgentConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("yamori-agent-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AgentOptions Apply(string json)
    {
        File.WriteAllText(Path.Combine(_dir, AgentConfigFile.FileName), json);
        return AgentConfigFile.Apply(new AgentOptions { DataDirectory = _dir });
    }

    [Fact]
    public void No_file_keeps_the_defaults()
    {
        AgentOptions options = AgentConfigFile.Apply(new AgentOptions { DataDirectory = _dir });
        Assert.Equal(1L << 30, options.SpoolMaxBytes);
        Assert.Contains("/etc", options.WatchPaths);
    }

    [Fact]
    public void Settings_override_the_defaults()
    {
        AgentOptions options = Apply("""{ "watchPaths": ["/srv/share"], "collectors": ["process"], "cpuBudgetPercent": 10, "spoolFsync": "Always", "heartbeatSeconds": 5 }""");
        Assert.Equal(["/srv/share"], options.WatchPaths);
        Assert.Equal(["process"], options.Collectors);
        Assert.Equal(10, options.CpuBudgetPercent);
        Assert.Equal(FsyncPolicy.Always, options.SpoolFsync);
        Assert.Equal(TimeSpan.FromSeconds(5), options.HeartbeatInterval);
    }

    [Fact]
    public void The_audit_fallback_can_be_switched_on_or_off_and_a_wrong_value_is_named()
    {
        Assert.Equal(Yamori.Agent.Linux.Processes.AuditFallbackMode.WhenAuditEnabled, Apply("{}").AuditFallback);
        Assert.Equal(Yamori.Agent.Linux.Processes.AuditFallbackMode.EnableAudit, Apply("""{ "auditFallback": "EnableAudit" }""").AuditFallback);
        Assert.Equal(Yamori.Agent.Linux.Processes.AuditFallbackMode.Off, Apply("""{ "auditFallback": "Off" }""").AuditFallback);
        var e = Assert.Throws<AgentConfigException>(() => Apply("""{ "auditFallback": "always" }"""));
        Assert.Contains("auditFallback", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_network_poll_interval_is_tunable_within_bounds()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(250), Apply("{}").NetworkPollInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), Apply("""{ "networkPollMilliseconds": 1000 }""").NetworkPollInterval);
        var e = Assert.Throws<AgentConfigException>(() => Apply("""{ "networkPollMilliseconds": 5 }"""));
        Assert.Contains("networkPollMilliseconds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_setting_is_refused_with_the_file_and_line()
    {
        var e = Assert.Throws<AgentConfigException>(() => Apply("{\n  \"watchPath\": [\"/srv\"]\n}"));
        Assert.Contains(AgentConfigFile.FileName, e.Message, StringComparison.Ordinal);
        Assert.Contains("watchPath", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nonsensical_budget_is_refused()
    {
        var e = Assert.Throws<AgentConfigException>(() => Apply("""{ "spoolMaxBytes": 1024 }"""));
        Assert.Contains("spoolMaxBytes", e.Message, StringComparison.Ordinal);
    }
}
