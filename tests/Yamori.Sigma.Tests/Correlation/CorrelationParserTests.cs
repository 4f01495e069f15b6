using Yamori.Sigma.Correlation;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.Correlation;

public sealed class CorrelationParserTests
{
    private static CorrelationRule ParseOne(string yaml) => Assert.IsType<CorrelationRule>(Assert.Single(CorrelationKit.LoadRules(yaml)));

    [Fact]
    public void EventCountSpecExample()
    {
        CorrelationRule c = ParseOne(SpecExamples.EventCount);
        Assert.Equal(CorrelationType.EventCount, c.Type);
        Assert.Equal("0e95725d-7320-415d-80f7-004da920fc11", c.Id);
        Assert.Equal(["5638f7c0-ac70-491d-8465-2a65075e0d86"], c.Rules);
        Assert.Equal(["ComputerName"], c.GroupBy);
        Assert.Equal(TimeSpan.FromHours(1), c.Timespan);
        Assert.Equal([new CorrelationBound(CorrelationOperator.Gte, 100)], c.Condition.Bounds);
        Assert.Null(c.Condition.Field);
        Assert.False(c.Generate);
        Assert.Equal(CorrelationTrigger.OnArrival, c.Trigger);
    }

    [Fact]
    public void ValueCountSpecExample()
    {
        CorrelationRule c = ParseOne(SpecExamples.ValueCount);
        Assert.Equal(CorrelationType.ValueCount, c.Type);
        Assert.Equal(["ComputerName", "WorkstationName"], c.GroupBy);
        Assert.Equal(TimeSpan.FromDays(1), c.Timespan);
        Assert.Equal("User", c.Condition.Field);
        Assert.Equal([new CorrelationBound(CorrelationOperator.Gte, 100)], c.Condition.Bounds);
    }

    [Fact]
    public void TemporalSpecExampleDefaultsToAllRules()
    {
        CorrelationRule c = ParseOne(SpecExamples.TemporalTitled);
        Assert.Equal(CorrelationType.Temporal, c.Type);
        Assert.Equal(["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"], c.Rules);
        Assert.Equal(["ComputerName", "User"], c.GroupBy);
        Assert.Equal(TimeSpan.FromMinutes(5), c.Timespan);

        // No condition: every referenced rule must appear.
        Assert.True(c.Condition.IsSatisfiedBy(3));
        Assert.False(c.Condition.IsSatisfiedBy(2));
    }

    [Fact]
    public void TemporalOrderedSpecExample()
    {
        CorrelationRule c = ParseOne("title: Failed then success\n" + SpecExamples.TemporalOrderedSection);
        Assert.Equal(CorrelationType.TemporalOrdered, c.Type);
        Assert.Equal(["many_failed_logins", "successful_login"], c.Rules);
        Assert.Equal(["User"], c.GroupBy);
        Assert.Equal(TimeSpan.FromHours(1), c.Timespan);
    }

    [Fact]
    public void MetricSpecExamples()
    {
        CorrelationRule sum = ParseOne(SpecExamples.ValueSum);
        Assert.Equal(CorrelationType.ValueSum, sum.Type);
        Assert.Equal("bytes_sent", sum.Condition.Field);
        Assert.Equal([new CorrelationBound(CorrelationOperator.Gt, 1_000_000)], sum.Condition.Bounds);

        CorrelationRule avg = ParseOne(SpecExamples.ValueAvg);
        Assert.Equal(CorrelationType.ValueAvg, avg.Type);
        Assert.Equal("BytesOut", avg.Condition.Field);
        Assert.Equal(TimeSpan.FromHours(24), avg.Timespan);
        Assert.Equal(CorrelationTrigger.AtWindowEnd, avg.Trigger);

        CorrelationRule pct = ParseOne(SpecExamples.ValuePercentile);
        Assert.Equal(CorrelationType.ValuePercentile, pct.Type);
        Assert.Equal("image", pct.Condition.Field);
        Assert.Equal([new CorrelationBound(CorrelationOperator.Lte, 1)], pct.Condition.Bounds);

        // "Hint: median is a percentile 50" — the rank when none is given.
        Assert.Equal(50, pct.Percentile);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("90m", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("1w", 604800)]
    public void TimespanUnits(string text, int seconds)
    {
        CorrelationRule c = ParseOne(SpecExamples.EventCount.Replace("timespan: 1h", "timespan: " + text, StringComparison.Ordinal));
        Assert.Equal(TimeSpan.FromSeconds(seconds), c.Timespan);
        Assert.Equal(text, c.TimespanText);
    }

    [Fact]
    public void RangeConditionIsAConjunction()
    {
        // The spec's "101 to 200" example.
        CorrelationRule c = ParseOne(SpecExamples.EventCount.Replace("gte: 100", "gt: 100\n        lte: 200", StringComparison.Ordinal));
        Assert.False(c.Condition.IsSatisfiedBy(100));
        Assert.True(c.Condition.IsSatisfiedBy(101));
        Assert.True(c.Condition.IsSatisfiedBy(200));
        Assert.False(c.Condition.IsSatisfiedBy(201));
        Assert.Equal(CorrelationTrigger.AtWindowEnd, c.Trigger);
    }

    [Fact]
    public void NeqOperatorAndAliases()
    {
        CorrelationRule neq = ParseOne(SpecExamples.EventCount.Replace("gte: 100", "neq: 3", StringComparison.Ordinal));
        Assert.True(neq.Condition.IsSatisfiedBy(2));
        Assert.False(neq.Condition.IsSatisfiedBy(3));

        CorrelationRule c = Assert.IsType<CorrelationRule>(CorrelationKit.LoadRules(SpecExamples.AliasesExample).Last());
        Assert.Equal("destination.ip", c.Aliases["internal_ip"]["internal_error"]);
        Assert.Equal("source.ip", c.Aliases["internal_ip"]["new_network_connection"]);
        Assert.Equal("source.ip", c.Aliases["remote_ip"]["internal_error"]);
        Assert.Equal("destination.ip", c.Aliases["remote_ip"]["new_network_connection"]);
    }

    [Fact]
    public void GenerateInsideCorrelationOrAtTopLevel()
    {
        Assert.True(ParseOne(SpecExamples.EventCount + "\n    generate: true").Generate);
        Assert.True(ParseOne(SpecExamples.EventCount + "\ngenerate: true").Generate);
        Assert.False(ParseOne(SpecExamples.EventCount + "\ngenerate: false").Generate);
    }

    public static TheoryData<string, string, string, string> Errors => new()
    {
        // (replace this, with this, error expected on the line containing, message contains)
        { "type: event_count", "type: event_counts", "type: event_counts", "'correlation.type' value 'event_counts' is unknown" },
        { "timespan: 1h", "timespan: 5x", "timespan: 5x", "'correlation.timespan' value '5x' is invalid" },
        { "timespan: 1h", "timespan: 60", "timespan: 60", "'correlation.timespan' value '60' is invalid" },
        { "timespan: 1h", "timespan: 0m", "timespan: 0m", "must be greater than zero" },
        { "    timespan: 1h\n", string.Empty, "type: event_count", "'correlation.timespan' is missing" },
        { "gte: 100", "ge: 100", "ge: 100", "unknown operator 'ge'" },
        { "gte: 100", "gte: lots", "gte: lots", "'correlation.condition.gte' must be a number" },
        { "gte: 100", "gt: 10\n        lt: 5", "gt: 10", "can never hold" },
        { "gte: 100", "lt: 1", "lt: 1", "can never hold" },
        { "gte: 100", "gte: 100\n        field: User", "field: User", "'correlation.condition.field' is not allowed for event_count" },
        { "    condition:\n        gte: 100", "    condition: rule_a and rule_b", "condition: rule_a", "pySigma extension" },
        { "    condition:\n        gte: 100", string.Empty, "type: event_count", "'correlation.condition' is missing" },
        { "    rules:\n        - 5638f7c0-ac70-491d-8465-2a65075e0d86\n", string.Empty, "type: event_count", "'correlation.rules' is missing" },
        { "    rules:\n        - 5638f7c0-ac70-491d-8465-2a65075e0d86\n", "    rules: []\n", "rules: []", "'correlation.rules' is missing" },
        { "    type: event_count\n", string.Empty, "rules:", "'correlation.type' is missing" },
        { "gte: 100", "gte: 100\n    generate: maybe", "generate: maybe", "'correlation.generate' must be true or false" },
        { "group-by:", "group_by:", "group_by:", "did you mean 'group-by'" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void ErrorsNameTheAttributeAndLine(string replace, string with, string lineText, string message)
    {
        string yaml = SpecExamples.EventCount.Replace(replace, with, StringComparison.Ordinal);
        Assert.NotEqual(SpecExamples.EventCount, yaml);
        RuleError e = CorrelationKit.ParseError(yaml);
        Assert.Equal("correlation", e.ReasonCode);
        Assert.Equal("test.yml", e.File);
        Assert.Equal("0e95725d-7320-415d-80f7-004da920fc11", e.RuleId);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(CorrelationKit.LineOf(yaml, lineText), e.Line);
    }

    [Theory]
    [InlineData("value_count")]
    [InlineData("value_sum")]
    [InlineData("value_avg")]
    [InlineData("value_percentile")]
    public void ValueTypesRequireField(string type)
    {
        string yaml = SpecExamples.EventCount.Replace("type: event_count", "type: " + type, StringComparison.Ordinal);
        RuleError e = CorrelationKit.ParseError(yaml);
        Assert.Equal("correlation", e.ReasonCode);
        Assert.Contains("'correlation.condition.field' is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains(type, e.Message, StringComparison.Ordinal);
        Assert.Equal(CorrelationKit.LineOf(yaml, "gte: 100"), e.Line);
    }

    [Fact]
    public void TemporalCannotRequireMoreRulesThanItLists()
    {
        string yaml = SpecExamples.TemporalTitled + "\n    condition:\n        gte: 4";
        RuleError e = CorrelationKit.ParseError(yaml);
        Assert.Contains("can never hold", e.Message, StringComparison.Ordinal);
        Assert.Contains("3 rule", e.Message, StringComparison.Ordinal);
        Assert.Equal(CorrelationKit.LineOf(yaml, "gte: 4"), e.Line);
    }

    [Fact]
    public void TemporalTakesNoField()
    {
        string yaml = SpecExamples.TemporalTitled + "\n    condition:\n        gte: 2\n        field: User";
        RuleError e = CorrelationKit.ParseError(yaml);
        Assert.Contains("'correlation.condition.field' is not allowed for temporal", e.Message, StringComparison.Ordinal);
        Assert.Equal(CorrelationKit.LineOf(yaml, "field: User"), e.Line);
    }

    [Fact]
    public void PercentileRankIsChecked()
    {
        string outOfRange = SpecExamples.ValuePercentile + "\n        percentile: 150";
        RuleError e = CorrelationKit.ParseError(outOfRange);
        Assert.Contains("'correlation.condition.percentile' must be between 0 and 100", e.Message, StringComparison.Ordinal);
        Assert.Equal(CorrelationKit.LineOf(outOfRange, "percentile: 150"), e.Line);

        string wrongType = SpecExamples.ValueSum + "\n        percentile: 95";
        e = CorrelationKit.ParseError(wrongType);
        Assert.Contains("only applies to value_percentile", e.Message, StringComparison.Ordinal);
        Assert.Equal(CorrelationKit.LineOf(wrongType, "percentile: 95"), e.Line);
    }
}
