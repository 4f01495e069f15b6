using Yamori.Sigma.Correlation;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.Correlation;

/// <summary>References, generate, reference errors and memory bounds.</summary>
public sealed class CorrelationEngineTests
{
    private const string FailedLogin = "5638f7c0-ac70-491d-8465-2a65075e0d86";

    [Fact]
    public void ReferencedRulesAreSuppressedByDefault()
    {
        // generate: "if only the correlation query should be generated (default)".
        CorrelationKit kit = new(SpecExamples.FailedLoginsThenSuccess + "\n---\n" + SpecExamples.BaseRule("unrelated", byName: true));
        Assert.True(kit.Engine.SuppressesOwnMatches(kit.Rule("failed_login")));
        Assert.True(kit.Engine.SuppressesOwnMatches(kit.Rule("successful_login")));
        Assert.True(kit.Engine.SuppressesOwnMatches(kit.Rule("multiple_failed_login")));
        Assert.False(kit.Engine.SuppressesOwnMatches(kit.Rule("b180ead8-d58f-40b2-ae54-c8940995b9b6")));
        Assert.False(kit.Engine.SuppressesOwnMatches(kit.Rule("unrelated")));
    }

    [Theory]
    [InlineData("\n    generate: true")]
    [InlineData("\ngenerate: true")]
    public void GenerateKeepsTheReferencedRulesMatches(string generate)
    {
        CorrelationKit kit = new(SpecExamples.With(SpecExamples.EventCount + generate, SpecExamples.BaseRule(FailedLogin)));
        Assert.False(kit.Engine.SuppressesOwnMatches(kit.Rule(FailedLogin)));
        Assert.True(kit.Engine.IsReferenced(kit.Rule(FailedLogin)));
    }

    [Fact]
    public void OneGeneratingCorrelationIsEnoughToKeepTheMatches()
    {
        string generating = SpecExamples.ValueCount + "\n    generate: true";
        CorrelationKit kit = new(SpecExamples.With(SpecExamples.EventCount, generating, SpecExamples.BaseRule(FailedLogin)));
        Assert.False(kit.Engine.SuppressesOwnMatches(kit.Rule(FailedLogin)));
    }

    [Fact]
    public void RulesAreReferencedByIdOrName()
    {
        string byName = SpecExamples.EventCount.Replace(FailedLogin, "failed_login_by_name", StringComparison.Ordinal)
            .Replace("gte: 100", "gte: 2", StringComparison.Ordinal);
        CorrelationKit kit = new(SpecExamples.With(byName, SpecExamples.BaseRule("failed_login_by_name", byName: true)));
        Assert.Empty(kit.Engine.Errors);
        kit.Feed("failed_login_by_name", TimeSpan.Zero, "a", ("ComputerName", "h"));
        Assert.Single(kit.Feed("failed_login_by_name", TimeSpan.FromSeconds(1), "b", ("ComputerName", "h")));
    }

    [Fact]
    public void UnresolvedReferenceDisablesTheCorrelationAndNamesTheLine()
    {
        string yaml = SpecExamples.With(SpecExamples.EventCount, SpecExamples.ValueCount.Replace(FailedLogin, "no_such_rule", StringComparison.Ordinal), SpecExamples.BaseRule(FailedLogin));
        CorrelationKit kit = new(yaml);
        RuleError e = Assert.Single(kit.Engine.Errors);
        Assert.Equal("correlation", e.ReasonCode);
        Assert.Equal("0e95725d-7320-415d-80f7-004da920fc12", e.RuleId);
        Assert.Contains("'no_such_rule'", e.Message, StringComparison.Ordinal);
        Assert.Equal(CorrelationKit.LineOf(yaml, "- no_such_rule"), e.Line);
        Assert.Equal(["0e95725d-7320-415d-80f7-004da920fc11"], kit.Engine.Correlations.Select(c => c.Id));

        // The other correlation still runs.
        for (int i = 0; i < 100; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(i), $"e{i}", ("ComputerName", "h"), ("WorkstationName", "w"), ("User", $"u{i}"));
        }

        Assert.Equal("0e95725d-7320-415d-80f7-004da920fc11", Assert.Single(kit.Matches).Rule.Id);
    }

    [Fact]
    public void AliasNamingAnUnlistedRuleIsAnError()
    {
        string yaml = SpecExamples.AliasesExample.Replace("new_network_connection: destination.ip", "web_proxy: destination.ip", StringComparison.Ordinal)
            + "\n---\n" + SpecExamples.BaseRule("web_proxy", byName: true);
        CorrelationKit kit = new(yaml);
        RuleError e = Assert.Single(kit.Engine.Errors);
        Assert.Contains("'correlation.aliases.remote_ip' names rule 'web_proxy', which is not listed in 'correlation.rules'", e.Message, StringComparison.Ordinal);
        Assert.Equal(CorrelationKit.LineOf(yaml, "web_proxy: destination.ip"), e.Line);
        Assert.Empty(kit.Engine.Correlations);
        Assert.False(kit.Engine.SuppressesOwnMatches(kit.Rule("internal_error")));
    }

    [Fact]
    public void CyclesBetweenCorrelationsAreErrors()
    {
        string a = "title: A\nname: corr_a\ncorrelation:\n    type: event_count\n    rules: [corr_b]\n    group-by: [User]\n    timespan: 5m\n    condition:\n        gte: 2";
        string b = "title: B\nname: corr_b\ncorrelation:\n    type: event_count\n    rules: [corr_a]\n    group-by: [User]\n    timespan: 5m\n    condition:\n        gte: 2";
        string c = "title: C\nname: corr_c\ncorrelation:\n    type: event_count\n    rules: [corr_a]\n    group-by: [User]\n    timespan: 5m\n    condition:\n        gte: 2";
        CorrelationKit kit = new(SpecExamples.With(a, b, c));
        Assert.Equal(3, kit.Engine.Errors.Count);
        Assert.Contains(kit.Engine.Errors, e => e.Message.Contains("cycle", StringComparison.Ordinal));
        Assert.Contains(kit.Engine.Errors, e => e.Message.Contains("'corr_a' is a correlation that is disabled", StringComparison.Ordinal));
        Assert.Empty(kit.Engine.Correlations);
    }

    [Fact]
    public void GroupCountStaysUnderTheCap()
    {
        var options = new CorrelationOptions { MaxGroupsPerCorrelation = 1_000 };
        CorrelationKit kit = new(SpecExamples.With(SpecExamples.EventCount, SpecExamples.BaseRule(FailedLogin)), options);
        var output = new List<CorrelationMatch>();
        var evt = new Yamori.Sigma.Events.FlatEvent();
        SigmaRuleBase rule = kit.Rule(FailedLogin);
        for (int i = 0; i < 100_000; i++)
        {
            evt.Clear();
            evt.Set("ComputerName", "host" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            kit.Engine.Observe(rule, evt, "e", CorrelationKit.T0 + TimeSpan.FromMilliseconds(i), output);
            Assert.True(kit.Engine.GroupCount <= 1_000);
        }

        Assert.Empty(output);
        Assert.Equal(1_000, kit.Engine.GroupCount);
        Assert.Equal(99_000, kit.Engine.EvictedGroups);

        // The stalest groups went first: the most recent host is still counted.
        for (int i = 0; i < 99; i++)
        {
            kit.Engine.Observe(rule, CorrelationKit.Event(("ComputerName", "host99999")), "again", CorrelationKit.T0 + TimeSpan.FromSeconds(100), output);
        }

        Assert.Equal(100, Assert.Single(output).Value);
    }

    [Fact]
    public void QuietPeriodsExpireState()
    {
        CorrelationKit kit = new(SpecExamples.With(SpecExamples.EventCount, SpecExamples.BaseRule(FailedLogin)));
        for (int i = 0; i < 500; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(i), $"e{i}", ("ComputerName", $"host{i}"));
        }

        Assert.Equal(500, kit.Engine.GroupCount);
        kit.AdvanceTo(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(250));
        Assert.Equal(250, kit.Engine.GroupCount);
        kit.AdvanceTo(TimeSpan.FromHours(2));
        Assert.Equal(0, kit.Engine.GroupCount);
        Assert.Equal(0, kit.Engine.EvictedGroups);
    }

    [Fact]
    public void DistinctValuesAreCappedPerGroup()
    {
        // value_count gte: 100 with room for 10 values: the rule's own threshold raises the bound so it can fire.
        var options = new CorrelationOptions { MaxEntriesPerGroup = 10 };
        CorrelationKit kit = new(SpecExamples.With(SpecExamples.ValueCount, SpecExamples.BaseRule(FailedLogin)), options);
        for (int i = 0; i < 100; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(i), $"e{i}", ("ComputerName", "h"), ("WorkstationName", "w"), ("User", $"u{i}"));
        }

        Assert.Single(kit.Matches);

        // With an upper bound (judged at window end) the distinct set stops at the cap and counts evictions.
        string lt = SpecExamples.ValueCount.Replace("gte: 100", "lt: 1000", StringComparison.Ordinal);
        kit = new(SpecExamples.With(lt, SpecExamples.BaseRule(FailedLogin)), options);
        for (int i = 0; i < 100; i++)
        {
            kit.Feed(FailedLogin, TimeSpan.FromSeconds(i), $"e{i}", ("ComputerName", "h"), ("WorkstationName", "w"), ("User", $"u{i}"));
        }

        Assert.Equal(90, kit.Engine.EvictedEntries);
        Assert.Equal(10, Assert.Single(kit.Flush()).Value);
    }
}
