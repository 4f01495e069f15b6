namespace Yamori.Sigma.LogSources;

/// <summary>One entry of the log source map: which events provide a Sigma logsource, and field renames.</summary>
public sealed record LogSourceEntry
{
    public required string Name { get; init; }

    public string? Product { get; init; }

    public string? Category { get; init; }

    public string? Service { get; init; }

    /// <summary>Windows channel; null for sources recognised by conditions or by declaration only.</summary>
    public string? Channel { get; init; }

    /// <summary>Accepted EventIDs; empty means every event of the channel.</summary>
    public IReadOnlyList<int> EventIds { get; init; } = [];

    /// <summary>Extra conditions: field name → accepted values (exact, case-insensitive).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Conditions
    {
        get => _conditions;
        init
        {
            _conditions = value;
            var list = new List<(string, string[])>(value.Count);
            foreach (KeyValuePair<string, IReadOnlyList<string>> kv in value)
            {
                list.Add((kv.Key, [.. kv.Value]));
            }

            ConditionList = [.. list];
        }
    }

    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _conditions = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The conditions as arrays, so checking them per event does not allocate an enumerator.</summary>
    internal (string Field, string[] Values)[] ConditionList { get; private init; } = [];

    /// <summary>Sigma field name → field name in these events.</summary>
    public IReadOnlyDictionary<string, string> FieldMappings { get; init; } = new Dictionary<string, string>();

    /// <summary>Index in the map, used to key caches.</summary>
    public int Index { get; init; }

    /// <summary>True when a rule with this logsource reads these events.</summary>
    public bool Provides(Rules.SigmaLogSource rule) =>
        (rule.Product is null || rule.Product == Product) &&
        (rule.Category is null || rule.Category == Category) &&
        (rule.Service is null || rule.Service == Service);
}
