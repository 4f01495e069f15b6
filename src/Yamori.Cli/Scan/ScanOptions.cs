using Yamori.Sigma.Rules;

namespace Yamori.Cli.Scan;

public enum TimelineFormat
{
    Table,
    Csv,
    Jsonl,
}

/// <summary>What <c>yamori scan</c> was asked to do.</summary>
public sealed record ScanOptions
{
    public required IReadOnlyList<string> Inputs { get; init; }

    public required IReadOnlyList<string> RuleDirectories { get; init; }

    public SigmaLevel MinLevel { get; init; } = SigmaLevel.Informational;

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public TimelineFormat Format { get; init; } = TimelineFormat.Table;

    public string? Output { get; init; }

    public int Threads { get; init; } = Environment.ProcessorCount;

    public string? Placeholders { get; init; }

    public bool Progress { get; init; } = true;
}
