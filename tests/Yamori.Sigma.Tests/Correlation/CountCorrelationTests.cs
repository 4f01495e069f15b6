using Yamori.Sigma.Correlation;

namespace Yamori.Sigma.Tests.Correlation;

/// <summary>event_count and value_count, on the spec's examples.</summary>
public sealed class CountCorrelationTests
{
    private const string FailedLogin = "5638f7c0-ac70-491d-8465-2a65075e0d86";

    private static CorrelationKit EventCount(string? replace = null, string? with = null) =>
        new(SpecExamples.With(
            replace is null ? SpecExamples.EventCount : SpecExamples.EventCount.Replace(replace, with!, StringComparison.Ordinal),
            SpecExamples.BaseRule(FailedLogin)));

    [Fact]
    public void HundredFailedLoginsOnOneHostWithinAnHourMatchOnce()
    {
        CorrelationKit kit = EventCount();
        for (int i = 0; i < 99; i++)
        {
            Assert.Empty(kit.Feed(FailedLogin, TimeSpan.FromSeconds(30 * i), $"e{i}", ("ComputerName", "host1")));
        }

        CorrelationMatch m = Assert.Single(kit.Feed(FailedLogin, TimeSpan.FromSeconds(30 * 99), "e99", ("ComputerName", "host1")));
        Assert.Equal("0e95725d-7320-415d-80f7-004da920fc11", m.Rule.Id);
        Assert.Equal(100, m.Value);
        Assert.Equal(100, m.EventCount);
        Assert.Equal("host1", m.GroupBy["ComputerName"]);
        Assert.Equal(CorrelationKit.T0, m.WindowStart);
        Assert.Equal(CorrelationKit.T0 + TimeSpan.FromSeconds(30 * 99), m.WindowEnd);
        Assert.Equal(100, m.EventRefs.Count);
        Assert.Equal("e0", m.EventRefs[0]);
        Assert.Equal("e99", m.EventRefs[^1]);
    }

    [Fact]
    public void BelowThresholdDoesNotMatch()
    {
        CorrelationKit kit = EventCount();
        for (int i = 0; i < 99; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(i), $"e{i}", ("ComputerName", "host1"));
        }

        kit.Flush();
        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void HundredEventsSpreadBeyondTheTimespanDoNotMatch()
    {
        // One event every 40 s: any hour holds at most 91 of them.
        CorrelationKit kit = EventCount();
        for (int i = 0; i < 150; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(40 * i), $"e{i}", ("ComputerName", "host1"));
        }

        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void CountsAreSeparatePerGroup()
    {
        CorrelationKit kit = EventCount();
        for (int i = 0; i < 100; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(i), $"e{i}", ("ComputerName", i % 2 == 0 ? "host1" : "host2"));
        }

        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void GroupStartsAfreshAfterFiring()
    {
        CorrelationKit kit = EventCount();
        for (int i = 0; i < 250; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(i), $"e{i}", ("ComputerName", "host1"));
        }

        // One match per 100 events, not one per event past the threshold.
        Assert.Equal(2, kit.Matches.Count);
        Assert.Equal("e99", kit.Matches[0].EventRefs[^1]);
        Assert.Equal("e100", kit.Matches[1].EventRefs[0]);
        Assert.Equal("e199", kit.Matches[1].EventRefs[^1]);
    }

    [Fact]
    public void EventRefsAreBoundedButTheCountIsExact()
    {
        CorrelationKit kit = EventCount("gte: 100", "gte: 250");
        for (int i = 0; i < 250; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(i), $"e{i}", ("ComputerName", "host1"));
        }

        CorrelationMatch m = Assert.Single(kit.Matches);
        Assert.Equal(250, m.EventCount);
        Assert.Equal(250, m.Value);
        Assert.Equal(CorrelationOptions.Default.MaxEventRefsPerMatch, m.EventRefs.Count);
        Assert.Equal("e150", m.EventRefs[0]);
        Assert.Equal("e249", m.EventRefs[^1]);
    }

    [Theory]
    [InlineData(3600, true)]
    [InlineData(3601, false)]
    public void TimespanIsInclusive(int secondsApart, bool matches)
    {
        CorrelationKit kit = EventCount("gte: 100", "gte: 2");
        kit.Feed(FailedLogin, TimeSpan.Zero, "a", ("ComputerName", "host1"));
        kit.Feed(FailedLogin, TimeSpan.FromSeconds(secondsApart), "b", ("ComputerName", "host1"));
        Assert.Equal(matches, kit.Matches.Count == 1);
    }

    [Fact]
    public void EventsWithoutTheGroupByFieldAreSkipped()
    {
        CorrelationKit kit = EventCount("gte: 100", "gte: 2");
        kit.Feed(FailedLogin, TimeSpan.Zero, "a", ("User", "x"));
        kit.Feed(FailedLogin, TimeSpan.FromSeconds(1), "b", ("User", "x"));
        Assert.Empty(kit.Matches);
        Assert.Equal(2, kit.Engine.SkippedEvents);
    }

    [Fact]
    public void UpperBoundIsJudgedWhenTheWindowCloses()
    {
        // "fewer than 3 in an hour": only a complete window can say.
        CorrelationKit kit = EventCount("gte: 100", "lt: 3");
        kit.Feed(FailedLogin, TimeSpan.Zero, "a1", ("ComputerName", "quiet"));
        kit.Feed(FailedLogin, TimeSpan.FromMinutes(1), "a2", ("ComputerName", "quiet"));
        for (int i = 0; i < 5; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromMinutes(2 + i), $"b{i}", ("ComputerName", "busy"));
        }

        Assert.Empty(kit.Matches);
        Assert.Empty(kit.AdvanceTo(TimeSpan.FromMinutes(60)));
        CorrelationMatch m = Assert.Single(kit.AdvanceTo(TimeSpan.FromMinutes(61)));
        Assert.Equal("quiet", m.GroupBy["ComputerName"]);
        Assert.Equal(2, m.Value);
        Assert.Equal(CorrelationKit.T0, m.WindowStart);
        Assert.Equal(CorrelationKit.T0 + TimeSpan.FromHours(1), m.WindowEnd);
        Assert.Equal(["a1", "a2"], m.EventRefs);
        kit.Flush();
        Assert.Single(kit.Matches);
    }

    private static CorrelationKit ValueCount() => new(SpecExamples.With(SpecExamples.ValueCount, SpecExamples.BaseRule(FailedLogin)));

    [Fact]
    public void HundredDistinctUsersFromOneSourceWithinADayMatch()
    {
        CorrelationKit kit = ValueCount();
        for (int i = 0; i < 100; i++)
        {
            // Each user twice: repeats do not add to the distinct count.
            for (int r = 0; r < 2; r++)
            {
                kit.Feed(FailedLogin, TimeSpan.FromMinutes(i * 10 + r), $"e{i}.{r}", ("ComputerName", "dc1"), ("WorkstationName", "ws1"), ("User", $"user{i}"));
            }
        }

        CorrelationMatch m = Assert.Single(kit.Matches);
        Assert.Equal(100, m.Value);
        Assert.Equal(199, m.EventCount);
        Assert.Equal("e99.0", m.EventRefs[^1]);
        Assert.Equal("dc1", m.GroupBy["ComputerName"]);
        Assert.Equal("ws1", m.GroupBy["WorkstationName"]);
    }

    [Fact]
    public void NinetyNineDistinctUsersDoNotMatch()
    {
        CorrelationKit kit = ValueCount();
        for (int i = 0; i < 300; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromMinutes(i), $"e{i}", ("ComputerName", "dc1"), ("WorkstationName", "ws1"), ("User", $"user{i % 99}"));
        }

        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void DistinctValuesAreCountedPerSourceAndDestination()
    {
        CorrelationKit kit = ValueCount();
        for (int i = 0; i < 100; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromMinutes(i), $"e{i}", ("ComputerName", "dc1"), ("WorkstationName", i < 50 ? "ws1" : "ws2"), ("User", $"user{i}"));
        }

        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void DistinctUsersSpreadOverMoreThanADayDoNotMatch()
    {
        CorrelationKit kit = ValueCount();
        for (int i = 0; i < 100; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromMinutes(30 * i), $"e{i}", ("ComputerName", "dc1"), ("WorkstationName", "ws1"), ("User", $"user{i}"));
        }

        Assert.Empty(kit.Matches);
    }
}
