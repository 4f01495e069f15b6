using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Correlation;

/// <summary>The <c>correlation.type</c> of a Sigma v2.1 correlation rule.</summary>
public enum CorrelationType
{
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
}

/// <summary>When a correlation is evaluated; derived from its type and condition.</summary>
public enum CorrelationTrigger
{
    /// <summary>
    /// The aggregate only grows as events arrive and the condition has only lower bounds
    /// (<c>gt</c>/<c>gte</c>): evaluated on every event over a sliding window, fires as soon as it holds.
    /// </summary>
    OnArrival,

    /// <summary>
    /// The condition has an upper bound (<c>lt</c>, <c>lte</c>, <c>eq</c>, <c>neq</c>) or the aggregate is an
    /// average or percentile: only the complete window can be judged, so it is evaluated when the window
    /// (anchored at the group's first event) closes.
    /// </summary>
    AtWindowEnd,
}

/// <summary>A comparison operator of a correlation <c>condition</c>.</summary>
public enum CorrelationOperator
{
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

/// <summary>One criterion of a correlation condition, e.g. <c>gte: 100</c>.</summary>
public readonly record struct CorrelationBound(CorrelationOperator Operator, double Value)
{
    public bool IsSatisfiedBy(double value) => Operator switch
    {
        CorrelationOperator.Gt => value > Value,
        CorrelationOperator.Gte => value >= Value,
        CorrelationOperator.Lt => value < Value,
        CorrelationOperator.Lte => value <= Value,
        CorrelationOperator.Eq => value == Value,
        _ => value != Value,
    };

    public bool IsLowerBound => Operator is CorrelationOperator.Gt or CorrelationOperator.Gte;

    public override string ToString() => $"{Operator.ToString().ToLowerInvariant()}: {Value}";
}

/// <summary>
/// A correlation <c>condition</c>: criteria joined with AND (so <c>gt: 100</c> + <c>lte: 200</c> is a range),
/// the <c>field</c>(s) that <c>value_*</c> types aggregate, and the percentile of <c>value_percentile</c>.
/// </summary>
public sealed record CorrelationCondition
{
    private readonly CorrelationBound[] _bounds;

    public CorrelationCondition(IReadOnlyList<CorrelationBound> bounds, IReadOnlyList<string> fields, double? percentile)
    {
        _bounds = [.. bounds];
        Fields = fields;
        Percentile = percentile;
    }

    public IReadOnlyList<CorrelationBound> Bounds => _bounds;

    /// <summary>The aggregated field(s); several fields (value_count only) count distinct combinations.</summary>
    public IReadOnlyList<string> Fields { get; }

    public string? Field => Fields.Count > 0 ? Fields[0] : null;

    /// <summary>The percentile rank (0–100) of <c>value_percentile</c>; null for other types.</summary>
    public double? Percentile { get; }

    /// <summary>True when every criterion is a lower bound, i.e. once it holds more events cannot undo it.</summary>
    public bool HasOnlyLowerBounds
    {
        get
        {
            foreach (CorrelationBound b in _bounds)
            {
                if (!b.IsLowerBound)
                {
                    return false;
                }
            }

            return true;
        }
    }

    public bool IsSatisfiedBy(double value)
    {
        foreach (CorrelationBound b in _bounds)
        {
            if (!b.IsSatisfiedBy(value))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => string.Join(", ", _bounds);
}

/// <summary>
/// A Sigma correlation rule (meta-rule): aggregates the matches of other rules (detection rules or
/// correlations) per group and time window. Built by <see cref="CorrelationParser"/>.
/// </summary>
public sealed class CorrelationRule(RuleHeader header) : SigmaRuleBase(header)
{
    public CorrelationType Type { get; init; }

    /// <summary>The referenced rules' ids or names, as written.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>Group-by fields or alias names; empty means one group for everything.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    public TimeSpan Timespan { get; init; }

    /// <summary>The timespan as written (e.g. <c>90m</c>), for display.</summary>
    public string TimespanText { get; init; } = string.Empty;

    public CorrelationCondition Condition { get; init; } = new([], [], null);

    /// <summary>Alias name → (referenced rule id or name, as written → that rule's field name).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Aliases { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>
    /// Whether the referenced rules also produce their own matches. Sigma's default is false: only the
    /// correlation is reported.
    /// </summary>
    public bool Generate { get; init; }

    /// <summary>The percentile rank of <c>value_percentile</c> (default 50, the median); null for other types.</summary>
    public double? Percentile => Condition.Percentile;

    public CorrelationTrigger Trigger =>
        Type is CorrelationType.ValueAvg or CorrelationType.ValuePercentile || !Condition.HasOnlyLowerBounds
            ? CorrelationTrigger.AtWindowEnd
            : CorrelationTrigger.OnArrival;

    /// <summary>YAML line of each entry of <see cref="Rules"/>, for reference errors.</summary>
    internal IReadOnlyList<int> RuleLines { get; init; } = [];

    /// <summary>YAML line of each alias mapping entry, keyed by (alias, rule reference).</summary>
    internal IReadOnlyDictionary<(string Alias, string Rule), int> AliasLines { get; init; } =
        new Dictionary<(string Alias, string Rule), int>();

    internal int LineOf(string reference)
    {
        for (int i = 0; i < Rules.Count; i++)
        {
            if (Rules[i] == reference && i < RuleLines.Count)
            {
                return RuleLines[i];
            }
        }

        return Location.Line;
    }
}
