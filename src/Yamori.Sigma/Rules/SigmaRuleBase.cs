namespace Yamori.Sigma.Rules;

/// <summary>The metadata every Sigma document (detection rule, correlation, filter) carries.</summary>
public sealed record RuleHeader
{
    public required string Title { get; init; }

    /// <summary>The rule id; documents without one get a stable synthetic id from file and document index.</summary>
    public required string Id { get; init; }

    /// <summary>The optional unique <c>name</c>, usable instead of the id in correlations.</summary>
    public string? Name { get; init; }

    public string? Status { get; init; }

    public string? Description { get; init; }

    public string? Author { get; init; }

    public SigmaLevel Level { get; init; } = SigmaLevel.Medium;

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>ATT&amp;CK technique ids from <c>attack.tNNNN[.NNN]</c> tags, upper case (T1059.001).</summary>
    public IReadOnlyList<string> AttackTechniques { get; init; } = [];

    public IReadOnlyList<string> References { get; init; } = [];

    public IReadOnlyList<string> FalsePositives { get; init; } = [];

    public IReadOnlyList<string> Fields { get; init; } = [];

    public IReadOnlyList<RelatedRule> Related { get; init; } = [];

    public SigmaLogSource LogSource { get; init; } = SigmaLogSource.Any;

    public SourceLocation Location { get; init; }

    /// <summary>The YAML document as read (after <c>action: global</c> merging), for display.</summary>
    public string? Yaml { get; init; }
}

/// <summary>Base of every loaded Sigma document; exposes its <see cref="RuleHeader"/>.</summary>
public abstract class SigmaRuleBase(RuleHeader header)
{
    public RuleHeader Header { get; } = header;

    public string Title => Header.Title;

    public string Id => Header.Id;

    public string? Name => Header.Name;

    public SigmaLevel Level => Header.Level;

    public IReadOnlyList<string> Tags => Header.Tags;

    public IReadOnlyList<string> AttackTechniques => Header.AttackTechniques;

    public SigmaLogSource LogSource => Header.LogSource;

    public SourceLocation Location => Header.Location;

    public override string ToString() => $"{Title} ({Id})";
}

/// <summary>An entry of <c>related</c>: another rule's id and how it relates (derived, obsolete…).</summary>
public sealed record RelatedRule(string Id, string Type);
