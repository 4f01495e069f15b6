using Yamori.Sigma.Rules;

namespace Yamori.Cli.Scan;

/// <summary>One detection on the timeline: a rule match on an event, or a correlation that fired.</summary>
public sealed record TimelineRow
{
    public DateTimeOffset? Time { get; init; }

    public string Computer { get; init; } = string.Empty;

    public string Channel { get; init; } = string.Empty;

    public string EventId { get; init; } = string.Empty;

    public required string RuleTitle { get; init; }

    public required string RuleId { get; init; }

    public SigmaLevel Level { get; init; }

    public IReadOnlyList<string> Techniques { get; init; } = [];

    /// <summary>The event's key fields (for process creation: Image, CommandLine, ParentImage, User).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = [];

    /// <summary>Where the event came from: file and record id (or JSON object number).</summary>
    public string Source { get; init; } = string.Empty;

    public bool IsCorrelation { get; init; }
}
