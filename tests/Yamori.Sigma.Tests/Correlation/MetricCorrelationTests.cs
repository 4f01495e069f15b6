using Yamori.Sigma.Correlation;

namespace Yamori.Sigma.Tests.Correlation;

/// <summary>value_sum, value_avg and value_percentile, on the spec's examples.</summary>
public sealed class MetricCorrelationTests
{
    private static readonly (string, string)[] Source = [("SourceIP", "10.1.1.1"), ("User", "alice")];

    private static (string, string)[] With(string field, string value) => [.. Source, (field, value)];

    private static CorrelationKit Sum() => new(SpecExamples.With(SpecExamples.ValueSum, SpecExamples.BaseRule("website_access", byName: true)));

    [Fact]
    public void SumAboveAMillionBytesWithinAnHourMatches()
    {
        CorrelationKit kit = Sum();
        kit.Feed("website_access", TimeSpan.Zero, "a", With("bytes_sent", "400000"));
        kit.Feed("website_access", TimeSpan.FromMinutes(20), "b", With("bytes_sent", "400000"));
        Assert.Empty(kit.Matches);
        CorrelationMatch m = Assert.Single(kit.Feed("website_access", TimeSpan.FromMinutes(40), "c", With("bytes_sent", "400000")));
        Assert.Equal(1_200_000, m.Value);
        Assert.Equal(3, m.EventCount);
        Assert.Equal("10.1.1.1", m.GroupBy["SourceIP"]);
        Assert.Equal("alice", m.GroupBy["User"]);
    }

    [Fact]
    public void SumEqualToTheLimitIsNotAboveIt()
    {
        CorrelationKit kit = Sum();
        kit.Feed("website_access", TimeSpan.Zero, "a", With("bytes_sent", "400000"));
        kit.Feed("website_access", TimeSpan.FromMinutes(1), "b", With("bytes_sent", "400000"));
        kit.Feed("website_access", TimeSpan.FromMinutes(2), "c", With("bytes_sent", "200000"));
        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void SumOnlyCoversTheTimespan()
    {
        CorrelationKit kit = Sum();
        kit.Feed("website_access", TimeSpan.Zero, "a", With("bytes_sent", "400000"));
        kit.Feed("website_access", TimeSpan.FromMinutes(35), "b", With("bytes_sent", "400000"));
        kit.Feed("website_access", TimeSpan.FromMinutes(70), "c", With("bytes_sent", "400000"));
        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void NonNumericValuesAreSkipped()
    {
        CorrelationKit kit = Sum();
        kit.Feed("website_access", TimeSpan.Zero, "a", With("bytes_sent", "lots"));
        kit.Feed("website_access", TimeSpan.Zero, "b", Source);
        Assert.Equal(2, kit.Engine.SkippedEvents);
        Assert.Equal(0, kit.Engine.GroupCount);
    }

    private static CorrelationKit Avg() => new(SpecExamples.With(SpecExamples.ValueAvg, SpecExamples.BaseRule("rule_a_id")));

    [Fact]
    public void AverageAboveTheLimitIsReportedWhenTheDayIsOver()
    {
        CorrelationKit kit = Avg();
        kit.Feed("rule_a_id", TimeSpan.Zero, "a", With("BytesOut", "400"));
        kit.Feed("rule_a_id", TimeSpan.FromHours(5), "b", With("BytesOut", "700"));
        kit.Feed("rule_a_id", TimeSpan.FromHours(10), "c", With("BytesOut", "900"));
        Assert.Empty(kit.AdvanceTo(TimeSpan.FromHours(24)));

        CorrelationMatch m = Assert.Single(kit.AdvanceTo(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1)));
        Assert.Equal(2000.0 / 3, m.Value, 9);
        Assert.Equal(3, m.EventCount);
        Assert.Equal(CorrelationKit.T0, m.WindowStart);
        Assert.Equal(CorrelationKit.T0 + TimeSpan.FromHours(24), m.WindowEnd);
    }

    [Fact]
    public void AverageAtOrBelowTheLimitDoesNotMatchEvenWithOneLargeValue()
    {
        CorrelationKit kit = Avg();
        kit.Feed("rule_a_id", TimeSpan.Zero, "a", With("BytesOut", "1200"));
        kit.Feed("rule_a_id", TimeSpan.FromHours(1), "b", With("BytesOut", "100"));
        kit.Feed("rule_a_id", TimeSpan.FromHours(2), "c", With("BytesOut", "200"));
        kit.Flush();
        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void OpenWindowsAreJudgedAtEndOfInput()
    {
        CorrelationKit kit = Avg();
        kit.Feed("rule_a_id", TimeSpan.Zero, "a", With("BytesOut", "600"));
        Assert.Empty(kit.Matches);
        CorrelationMatch m = Assert.Single(kit.Flush());
        Assert.Equal(600, m.Value);
        Assert.Equal(0, kit.Engine.GroupCount);
    }

    private static CorrelationKit Percentile(string? condition = null)
    {
        string rule = condition is null
            ? SpecExamples.ValuePercentile
            : SpecExamples.ValuePercentile.Replace("        field: image\n        lte: 1", condition, StringComparison.Ordinal);
        return new(SpecExamples.With(rule, SpecExamples.BaseRule("process_creation", byName: true)));
    }

    [Fact]
    public void MedianAtOrBelowTheLimitMatches()
    {
        // No rank given: the median ("median is a percentile 50").
        CorrelationKit kit = Percentile();
        string[] values = ["9", "1", "0", "5", "1"];
        for (int i = 0; i < values.Length; i++)
        {
            kit.Feed("process_creation", TimeSpan.FromHours(i), $"e{i}", ("ComputerName", "pc1"), ("image", values[i]));
        }

        for (int i = 0; i < 3; i++)
        {
            kit.Feed("process_creation", TimeSpan.FromHours(i), $"f{i}", ("ComputerName", "pc2"), ("image", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        kit.Flush();
        CorrelationMatch m = Assert.Single(kit.Matches);
        Assert.Equal("pc1", m.GroupBy["ComputerName"]);
        Assert.Equal(1, m.Value);
        Assert.Equal(5, m.EventCount);
    }

    [Fact]
    public void ExplicitPercentileRank()
    {
        CorrelationKit kit = Percentile("        field: duration\n        percentile: 95\n        gt: 1000");
        Assert.Equal(95, kit.Correlation("A computer spawned a processes name in the last 24h than 1% of all the processes.").Percentile);
        for (int i = 1; i <= 100; i++)
        {
            kit.Feed("process_creation", TimeSpan.FromMinutes(i), $"e{i}", ("ComputerName", "pc1"), ("duration", (20 * i).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            kit.Feed("process_creation", TimeSpan.FromMinutes(i), $"f{i}", ("ComputerName", "pc2"), ("duration", "500"));
        }

        kit.AdvanceTo(TimeSpan.FromDays(2));
        CorrelationMatch m = Assert.Single(kit.Matches);
        Assert.Equal("pc1", m.GroupBy["ComputerName"]);

        // Values 20, 40 … 2000: rank 0.95 × 99 = 94.05 lies between 1900 and 1920.
        Assert.Equal(1901, m.Value, 9);
    }
}
