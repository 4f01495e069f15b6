namespace Yamori.Sigma.Matching;

/// <summary>Settings that shape how rules compile.</summary>
public sealed record CompileOptions
{
    /// <summary>Values for <c>expand</c> placeholders, by name without the percent signs (e.g. <c>Administrators</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders { get; init; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Longest time one regex evaluation may take before it counts as no match.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    public static CompileOptions Default { get; } = new();
}
