using Yamori.Agent.Health;
using Yamori.Agent.Telemetry;

namespace Yamori.Agent.Tests.Hosting;

public sealed class ResourceGovernorTests
{
    private static readonly long Second = TimeProvider.System.TimestampFrequency;

    [Fact]
    public void Within_budget_nothing_is_shed()
    {
        var governor = new ResourceGovernor(cpuBudgetPercent: 25, memoryBudgetBytes: 512L << 20);
        governor.Apply(TimeSpan.Zero, 100L << 20, 0);
        governor.Apply(TimeSpan.FromMilliseconds(200), 100L << 20, Second); // 20 % of a core

        Assert.Null(governor.SheddingUpTo);
        Assert.False(governor.ShouldShed(EventPriority.Low));
    }

    [Fact]
    public void Over_the_cpu_budget_low_value_events_are_shed_first_and_alerts_never()
    {
        var governor = new ResourceGovernor(25, 512L << 20);
        governor.Apply(TimeSpan.Zero, 100L << 20, 0);
        governor.Apply(TimeSpan.FromMilliseconds(400), 100L << 20, Second); // 40 %

        Assert.True(governor.ShouldShed(EventPriority.Low));
        Assert.False(governor.ShouldShed(EventPriority.Normal));
        Assert.False(governor.ShouldShed(EventPriority.Alert));
        Assert.Equal(40, governor.RecentCpuPercent, precision: 3);

        governor.Apply(TimeSpan.FromMilliseconds(1400), 100L << 20, 2 * Second); // 70 % over two seconds: above twice the budget
        Assert.True(governor.ShouldShed(EventPriority.Normal));
        Assert.False(governor.ShouldShed(EventPriority.Alert));
    }

    [Fact]
    public void Memory_over_budget_sheds_and_recovers_when_it_falls()
    {
        var governor = new ResourceGovernor(25, 100L << 20);
        governor.Apply(TimeSpan.Zero, 120L << 20, 0);
        Assert.True(governor.ShouldShed(EventPriority.Low));
        Assert.False(governor.ShouldShed(EventPriority.Normal));

        governor.Apply(TimeSpan.Zero, 160L << 20, Second);
        Assert.True(governor.ShouldShed(EventPriority.Normal));

        governor.Apply(TimeSpan.Zero, 80L << 20, 2 * Second);
        Assert.Null(governor.SheddingUpTo);
    }
}
