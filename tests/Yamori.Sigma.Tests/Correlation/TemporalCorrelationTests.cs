using Yamori.Sigma.Correlation;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.Correlation;

/// <summary>temporal, temporal_ordered, aliases and correlation chains, on the spec's examples.</summary>
public sealed class TemporalCorrelationTests
{
    private static readonly (string, string)[] Alice = [("ComputerName", "pc1"), ("User", "alice")];

    private static CorrelationKit Recon(string type = "temporal") => new(SpecExamples.With(
        SpecExamples.TemporalTitled.Replace("type: temporal", "type: " + type, StringComparison.Ordinal),
        SpecExamples.BaseRule("recon_cmd_a", byName: true),
        SpecExamples.BaseRule("recon_cmd_b", byName: true),
        SpecExamples.BaseRule("recon_cmd_c", byName: true)));

    [Fact]
    public void AllReconCommandsInAnyOrderWithinFiveMinutesMatch()
    {
        CorrelationKit kit = Recon();
        kit.Feed("recon_cmd_c", TimeSpan.Zero, "c", Alice);
        kit.Feed("recon_cmd_a", TimeSpan.FromMinutes(2), "a", Alice);
        Assert.Empty(kit.Matches);
        CorrelationMatch m = Assert.Single(kit.Feed("recon_cmd_b", TimeSpan.FromMinutes(4), "b", Alice));
        Assert.Equal(3, m.Value);
        Assert.Equal(["c", "a", "b"], m.EventRefs);
        Assert.Equal("pc1", m.GroupBy["ComputerName"]);
        Assert.Equal("alice", m.GroupBy["User"]);
    }

    [Fact]
    public void MissingOneRuleDoesNotMatchHoweverOftenTheOthersFire()
    {
        CorrelationKit kit = Recon();
        for (int i = 0; i < 10; i++)
        {
            kit.Feed(i % 2 == 0 ? "recon_cmd_a" : "recon_cmd_b", TimeSpan.FromSeconds(i), $"e{i}", Alice);
        }

        kit.Flush();
        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void RulesFurtherApartThanTheTimespanDoNotMatch()
    {
        CorrelationKit kit = Recon();
        kit.Feed("recon_cmd_a", TimeSpan.Zero, "a", Alice);
        kit.Feed("recon_cmd_b", TimeSpan.FromMinutes(3), "b", Alice);
        kit.Feed("recon_cmd_c", TimeSpan.FromMinutes(6), "c", Alice);
        Assert.Empty(kit.Matches);

        // a again, within 5 minutes of b and c: now all three fit.
        Assert.Single(kit.Feed("recon_cmd_a", TimeSpan.FromMinutes(7), "a2", Alice));
    }

    [Fact]
    public void GroupByValuesMustAllBeEqual()
    {
        CorrelationKit kit = Recon();
        kit.Feed("recon_cmd_a", TimeSpan.Zero, "a", Alice);
        kit.Feed("recon_cmd_b", TimeSpan.FromMinutes(1), "b", Alice);
        kit.Feed("recon_cmd_c", TimeSpan.FromMinutes(2), "c", ("ComputerName", "pc1"), ("User", "bob"));
        kit.Feed("recon_cmd_c", TimeSpan.FromMinutes(2), "c", ("ComputerName", "pc2"), ("User", "alice"));
        Assert.Empty(kit.Matches);
    }

    [Fact]
    public void ConditionCountsDistinctRules()
    {
        CorrelationKit kit = new(SpecExamples.With(
            SpecExamples.TemporalTitled + "\n    condition:\n        gte: 2",
            SpecExamples.BaseRule("recon_cmd_a", byName: true),
            SpecExamples.BaseRule("recon_cmd_b", byName: true),
            SpecExamples.BaseRule("recon_cmd_c", byName: true)));
        kit.Feed("recon_cmd_a", TimeSpan.Zero, "a1", Alice);
        kit.Feed("recon_cmd_a", TimeSpan.FromSeconds(1), "a2", Alice);
        Assert.Empty(kit.Matches);
        CorrelationMatch m = Assert.Single(kit.Feed("recon_cmd_c", TimeSpan.FromSeconds(2), "c", Alice));
        Assert.Equal(2, m.Value);
    }

    [Fact]
    public void TemporalOrderedMatchesInListedOrder()
    {
        CorrelationKit kit = Recon("temporal_ordered");
        kit.Feed("recon_cmd_a", TimeSpan.Zero, "a", Alice);
        kit.Feed("recon_cmd_b", TimeSpan.FromMinutes(1), "b", Alice);
        CorrelationMatch m = Assert.Single(kit.Feed("recon_cmd_c", TimeSpan.FromMinutes(2), "c", Alice));
        Assert.Equal(3, m.Value);
    }

    [Theory]
    [InlineData("recon_cmd_c", "recon_cmd_b", "recon_cmd_a")]
    [InlineData("recon_cmd_a", "recon_cmd_c", "recon_cmd_b")]
    [InlineData("recon_cmd_b", "recon_cmd_a", "recon_cmd_c")]
    public void TemporalOrderedOutOfOrderDoesNotMatch(string first, string second, string third)
    {
        CorrelationKit kit = Recon("temporal_ordered");
        kit.Feed(first, TimeSpan.Zero, "1", Alice);
        kit.Feed(second, TimeSpan.FromMinutes(1), "2", Alice);
        kit.Feed(third, TimeSpan.FromMinutes(2), "3", Alice);
        kit.Flush();
        Assert.Empty(kit.Matches);

        // The same rules unordered (temporal) do match.
        CorrelationKit unordered = Recon();
        unordered.Feed(first, TimeSpan.Zero, "1", Alice);
        unordered.Feed(second, TimeSpan.FromMinutes(1), "2", Alice);
        Assert.Single(unordered.Feed(third, TimeSpan.FromMinutes(2), "3", Alice));
    }

    [Fact]
    public void TemporalOrderedChainMayBeInterleavedWithOtherMatches()
    {
        CorrelationKit kit = Recon("temporal_ordered");
        kit.Feed("recon_cmd_c", TimeSpan.Zero, "c0", Alice);
        kit.Feed("recon_cmd_a", TimeSpan.FromMinutes(1), "a", Alice);
        kit.Feed("recon_cmd_c", TimeSpan.FromMinutes(2), "c1", Alice);
        kit.Feed("recon_cmd_b", TimeSpan.FromMinutes(3), "b", Alice);
        Assert.Empty(kit.Matches);
        Assert.Single(kit.Feed("recon_cmd_c", TimeSpan.FromMinutes(4), "c2", Alice));
    }

    [Fact]
    public void AliasesGroupDifferentFieldsOfDifferentRules()
    {
        CorrelationKit kit = new(SpecExamples.AliasesExample);
        kit.Feed("internal_error", TimeSpan.Zero, "http", ("destination.ip", "10.0.0.5"), ("source.ip", "203.0.113.7"));
        CorrelationMatch m = Assert.Single(kit.Feed("new_network_connection", TimeSpan.FromSeconds(4), "conn", ("source.ip", "10.0.0.5"), ("destination.ip", "203.0.113.7")));
        Assert.Equal("10.0.0.5", m.GroupBy["internal_ip"]);
        Assert.Equal("203.0.113.7", m.GroupBy["remote_ip"]);
        Assert.Equal(["http", "conn"], m.EventRefs);
    }

    [Fact]
    public void AliasedFieldsMustCarryTheSameAddresses()
    {
        CorrelationKit kit = new(SpecExamples.AliasesExample);
        kit.Feed("internal_error", TimeSpan.Zero, "http", ("destination.ip", "10.0.0.5"), ("source.ip", "203.0.113.7"));

        // Same addresses in the same fields is the wrong direction for new_network_connection.
        kit.Feed("new_network_connection", TimeSpan.FromSeconds(1), "conn", ("destination.ip", "10.0.0.5"), ("source.ip", "203.0.113.7"));

        // Right direction, but 11 s later than the error: outside the 10 s timespan.
        kit.Feed("new_network_connection", TimeSpan.FromSeconds(11), "late", ("source.ip", "10.0.0.5"), ("destination.ip", "203.0.113.7"));
        Assert.Empty(kit.Matches);
    }

    private const string Outer = "Correlation - Multiple Failed Logins Followed by Successful Login";

    [Fact]
    public void FailedLoginsFollowedBySuccessfulLoginChainsCorrelations()
    {
        CorrelationKit kit = new(SpecExamples.FailedLoginsThenSuccess);
        for (int i = 0; i < 10; i++)
        {
            kit.Feed("failed_login", TimeSpan.FromSeconds(10 * i), $"fail{i}", ("User", "bob"), ("EventID", "4625"));
        }

        CorrelationMatch inner = Assert.Single(kit.MatchesOf("multiple_failed_login"));
        Assert.Equal(10, inner.Value);
        Assert.Empty(kit.MatchesOf(Outer));

        CorrelationMatch outer = Assert.Single(kit.Feed("successful_login", TimeSpan.FromMinutes(3), "ok", ("User", "bob"), ("EventID", "4624")));
        Assert.Equal("b180ead8-d58f-40b2-ae54-c8940995b9b6", outer.Rule.Id);
        Assert.Equal(SigmaLevel.High, outer.Rule.Level);
        Assert.Equal("bob", outer.GroupBy["User"]);
        Assert.Equal(2, outer.Value);
        Assert.Contains("fail0", outer.EventRefs);
        Assert.Equal("ok", outer.EventRefs[^1]);
    }

    [Fact]
    public void SuccessfulLoginBeforeTheFailuresDoesNotMatch()
    {
        CorrelationKit kit = new(SpecExamples.FailedLoginsThenSuccess);
        kit.Feed("successful_login", TimeSpan.Zero, "ok", ("User", "bob"));
        for (int i = 0; i < 10; i++)
        {
            kit.Feed("failed_login", TimeSpan.FromSeconds(10 + i), $"fail{i}", ("User", "bob"));
        }

        kit.Flush();
        Assert.Single(kit.MatchesOf("multiple_failed_login"));
        Assert.Empty(kit.MatchesOf(Outer));
    }

    [Fact]
    public void ChainNeedsEnoughFailuresTheSameUserAndTheTimespan()
    {
        CorrelationKit kit = new(SpecExamples.FailedLoginsThenSuccess);
        for (int i = 0; i < 9; i++)
        {
            kit.Feed("failed_login", TimeSpan.FromSeconds(i), $"fail{i}", ("User", "bob"));
        }

        kit.Feed("successful_login", TimeSpan.FromSeconds(20), "ok-bob-too-few", ("User", "bob"));
        kit.Feed("failed_login", TimeSpan.FromSeconds(30), "fail9", ("User", "bob"));
        Assert.Single(kit.MatchesOf("multiple_failed_login"));
        kit.Feed("successful_login", TimeSpan.FromSeconds(40), "ok-alice", ("User", "alice"));
        kit.Feed("successful_login", TimeSpan.FromSeconds(30) + TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1), "ok-bob-late", ("User", "bob"));
        kit.Flush();
        Assert.Empty(kit.MatchesOf(Outer));
    }
}
