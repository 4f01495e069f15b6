using Yamori.Sigma.Correlation;
using Yamori.Sigma.Events;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.Correlation;

/// <summary>Loads multi-document YAML, builds an engine over it and feeds it events with explicit times.</summary>
internal sealed class CorrelationKit
{
    public static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public CorrelationKit(string yaml, CorrelationOptions? options = null)
    {
        Rules = LoadRules(yaml);
        Engine = new CorrelationEngine(Rules.OfType<CorrelationRule>(), CorrelationEngine.CreateResolver(Rules), options);
    }

    public IReadOnlyList<SigmaRuleBase> Rules { get; }

    public CorrelationEngine Engine { get; }

    public List<CorrelationMatch> Matches { get; } = [];

    public static IReadOnlyList<SigmaRuleBase> LoadRules(string yaml)
    {
        var rules = new List<SigmaRuleBase>();
        foreach (ParsedDocument d in RuleParser.Parse(yaml, "test.yml"))
        {
            Assert.True(d.Error is null, d.Error?.ToString());
            rules.Add(d.Rule!);
        }

        return rules;
    }

    /// <summary>The single error of a document that must not load.</summary>
    public static RuleError ParseError(string yaml)
    {
        IReadOnlyList<ParsedDocument> docs = RuleParser.Parse(yaml, "test.yml");
        ParsedDocument d = Assert.Single(docs);
        Assert.Null(d.Rule);
        return d.Error!;
    }

    /// <summary>1-based line of the first line of <paramref name="yaml"/> containing <paramref name="text"/>.</summary>
    public static int LineOf(string yaml, string text)
    {
        string[] lines = yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new ArgumentException($"'{text}' is not in the YAML");
    }

    public SigmaRuleBase Rule(string idOrName) =>
        Rules.First(r => r.Id == idOrName || r.Name == idOrName);

    public CorrelationRule Correlation(string idOrTitle) =>
        Rules.OfType<CorrelationRule>().First(r => r.Id == idOrTitle || r.Title == idOrTitle || r.Name == idOrTitle);

    public static FlatEvent Event(params (string Name, string Value)[] fields)
    {
        var e = new FlatEvent();
        foreach ((string name, string value) in fields)
        {
            e.Set(name, value);
        }

        return e;
    }

    /// <summary>Observes a match of <paramref name="rule"/> at <see cref="T0"/> + <paramref name="offset"/>; returns what fired.</summary>
    public List<CorrelationMatch> Feed(string rule, TimeSpan offset, string eventRef, params (string Name, string Value)[] fields)
    {
        var output = new List<CorrelationMatch>();
        Engine.Observe(Rule(rule), Event(fields), eventRef, T0 + offset, output);
        Matches.AddRange(output);
        return output;
    }

    public List<CorrelationMatch> AdvanceTo(TimeSpan offset)
    {
        var output = new List<CorrelationMatch>();
        Engine.AdvanceTo(T0 + offset, output);
        Matches.AddRange(output);
        return output;
    }

    public List<CorrelationMatch> Flush()
    {
        var output = new List<CorrelationMatch>();
        Engine.Flush(output);
        Matches.AddRange(output);
        return output;
    }

    public List<CorrelationMatch> MatchesOf(string correlation)
    {
        CorrelationRule c = Correlation(correlation);
        return Matches.Where(m => ReferenceEquals(m.Rule, c)).ToList();
    }
}
