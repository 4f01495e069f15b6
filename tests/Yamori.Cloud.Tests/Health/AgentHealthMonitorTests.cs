using Yamori.Cloud.Health;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Health;

public sealed class AgentHealthMonitorTests
{
    private static readonly TenantId Town = TenantId.New();
    private static readonly DeviceId Device = DeviceId.New();

    [Fact]
    public void Losses_are_the_growth_of_each_cumulative_counter()
    {
        (ulong lost, string detail) = AgentHealthMonitor.Losses(Report(("spool_full", 10)), Report(("spool_full", 25), ("too_large", 2)));
        Assert.Equal(17UL, lost);
        Assert.Equal("the agent dropped 17 events since its last report (spool_full: 15, too_large: 2)", detail);
    }

    [Fact]
    public void A_first_report_counts_everything_and_a_counter_that_went_down_means_a_reinstall()
    {
        Assert.Equal(5UL, AgentHealthMonitor.Losses(null, Report(("spool_full", 5))).Lost);
        Assert.Equal(3UL, AgentHealthMonitor.Losses(Report(("spool_full", 900)), Report(("spool_full", 3))).Lost);
        Assert.Equal(0UL, AgentHealthMonitor.Losses(Report(("spool_full", 7)), Report(("spool_full", 7))).Lost);
    }

    private static AgentReport Report(params (string Reason, ulong Count)[] dropped) =>
        new(Town, Device, DateTimeOffset.UnixEpoch, "1.0", 0, 0, dropped.ToDictionary(d => d.Reason, d => d.Count), 0, 0);
}
