namespace Yamori.Sigma.Events;

/// <summary>The kind of a field value as the event source reported it.</summary>
public enum FieldKind : byte
{
    /// <summary>The field is present with an explicit null (JSON <c>null</c>, an empty EVTX substitution).</summary>
    Null,
    String,
    Number,
    Boolean,
    /// <summary>Several values under one name (JSON arrays, EVTX arrays); a matcher succeeds if any item does.</summary>
    Array,
}

/// <summary>
/// One field value. Every scalar is carried as text, because Sigma compares values as strings
/// (numbers included) and only parses on demand for numeric, time and CIDR modifiers.
/// </summary>
public readonly struct FieldValue
{
    public FieldValue(FieldKind kind, string? text)
    {
        Kind = kind;
        Text = text;
        Items = null;
    }

    public FieldValue(string[] items)
    {
        Kind = FieldKind.Array;
        Text = null;
        Items = items;
    }

    public FieldKind Kind { get; }

    /// <summary>The scalar's text; null for <see cref="FieldKind.Null"/> and arrays.</summary>
    public string? Text { get; }

    /// <summary>The items of an <see cref="FieldKind.Array"/>.</summary>
    public string[]? Items { get; }

    public static FieldValue Null => new(FieldKind.Null, null);

    public static FieldValue FromString(string text) => new(FieldKind.String, text);

    public override string ToString() => Kind switch
    {
        FieldKind.Null => "null",
        FieldKind.Array => "[" + string.Join(", ", Items!) + "]",
        _ => Text ?? string.Empty,
    };
}
