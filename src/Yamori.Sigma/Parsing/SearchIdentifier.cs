namespace Yamori.Sigma.Parsing;

/// <summary>
/// A named search identifier of <c>detection</c>. Its branches are OR-ed (a list of maps, or a
/// keyword list); the items of one branch are AND-ed (the keys of one map).
/// </summary>
public sealed record SearchIdentifier(string Name, IReadOnlyList<SearchBranch> Branches, int Line);

/// <summary>One map of a selection (or one keyword list): its items must all hold.</summary>
public sealed record SearchBranch(IReadOnlyList<FieldItem> Items);

/// <summary>
/// One <c>field|modifier…: value(s)</c> entry. <see cref="Field"/> is null for keywords, which are
/// searched in every field value.
/// </summary>
public sealed record FieldItem(string? Field, IReadOnlyList<string> Modifiers, IReadOnlyList<RawValue> Values, int Line)
{
    public string Key => Field is null && Modifiers.Count == 0 ? "(keywords)" : (Field ?? string.Empty) + (Modifiers.Count > 0 ? "|" + string.Join('|', Modifiers) : string.Empty);
}

/// <summary>The YAML type a value had; Sigma compares them as strings but null is its own type.</summary>
public enum RawValueKind
{
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>A value as written in the rule, before modifiers.</summary>
public readonly record struct RawValue(RawValueKind Kind, string Text)
{
    public override string ToString() => Kind == RawValueKind.Null ? "null" : Text;
}
