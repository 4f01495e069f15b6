namespace Yamori.Cloud.Events;

/// <summary>The type of an <see cref="EventValue"/>, as the agent sent it.</summary>
public enum EventValueKind : byte
{
    /// <summary>Present with an explicit null (distinct from a missing field in Sigma).</summary>
    Null = 0,
    String = 1,
    Int64 = 2,
    Double = 3,
    Boolean = 4,

    /// <summary>Several strings under one name; a Sigma value test matches if any item does.</summary>
    StringList = 5,
}

/// <summary>One field value of a telemetry event, typed as on the wire (see the contract's <c>Field</c>).</summary>
public readonly struct EventValue : IEquatable<EventValue>
{
    private readonly string? _text;
    private readonly long _integer;
    private readonly double _real;
    private readonly string[]? _items;

    private EventValue(EventValueKind kind, string? text, long integer, double real, string[]? items)
    {
        Kind = kind;
        _text = text;
        _integer = integer;
        _real = real;
        _items = items;
    }

    public static EventValue Null => default;

    public EventValueKind Kind { get; }

    public static EventValue From(string value) => new(EventValueKind.String, value, 0, 0, null);

    public static EventValue From(long value) => new(EventValueKind.Int64, null, value, 0, null);

    public static EventValue From(double value) => new(EventValueKind.Double, null, 0, value, null);

    public static EventValue From(bool value) => new(EventValueKind.Boolean, null, value ? 1 : 0, 0, null);

    public static EventValue From(string[] items) => new(EventValueKind.StringList, null, 0, 0, items);

    public string AsString => Kind == EventValueKind.String ? _text! : throw WrongKind(EventValueKind.String);

    public long AsInt64 => Kind == EventValueKind.Int64 ? _integer : throw WrongKind(EventValueKind.Int64);

    public double AsDouble => Kind == EventValueKind.Double ? _real : throw WrongKind(EventValueKind.Double);

    public bool AsBoolean => Kind == EventValueKind.Boolean ? _integer != 0 : throw WrongKind(EventValueKind.Boolean);

    public IReadOnlyList<string> Items => Kind == EventValueKind.StringList ? _items! : throw WrongKind(EventValueKind.StringList);

    /// <summary>About the size of its protobuf encoding, used for batch size limits.</summary>
    internal int EstimatedBytes => Kind switch
    {
        EventValueKind.String => 2 + System.Text.Encoding.UTF8.GetByteCount(_text!),
        EventValueKind.StringList => 2 + _items!.Sum(static s => 2 + System.Text.Encoding.UTF8.GetByteCount(s)),
        EventValueKind.Int64 or EventValueKind.Double => 9,
        _ => 2,
    };

    public bool Equals(EventValue other) => Kind == other.Kind && Kind switch
    {
        EventValueKind.Null => true,
        EventValueKind.String => string.Equals(_text, other._text, StringComparison.Ordinal),
        EventValueKind.Int64 or EventValueKind.Boolean => _integer == other._integer,
        EventValueKind.Double => _real.Equals(other._real),
        EventValueKind.StringList => _items!.AsSpan().SequenceEqual(other._items),
        _ => false,
    };

    public override bool Equals(object? obj) => obj is EventValue other && Equals(other);

    public override int GetHashCode() => Kind switch
    {
        EventValueKind.String => HashCode.Combine(Kind, _text),
        EventValueKind.Int64 or EventValueKind.Boolean => HashCode.Combine(Kind, _integer),
        EventValueKind.Double => HashCode.Combine(Kind, _real),
        EventValueKind.StringList => HashCode.Combine(Kind, _items!.Length),
        _ => (int)Kind,
    };

    public static bool operator ==(EventValue left, EventValue right) => left.Equals(right);

    public static bool operator !=(EventValue left, EventValue right) => !left.Equals(right);

    public override string ToString() => Kind switch
    {
        EventValueKind.Null => "null",
        EventValueKind.String => _text!,
        EventValueKind.Int64 => _integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        EventValueKind.Double => _real.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        EventValueKind.Boolean => _integer != 0 ? "true" : "false",
        _ => "[" + string.Join(", ", _items!) + "]",
    };

    private InvalidOperationException WrongKind(EventValueKind wanted) => new($"value is {Kind}, not {wanted}");
}
