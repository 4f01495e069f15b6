namespace Yamori.Sigma.Events;

/// <summary>
/// A flat, reusable field map: the common representation for JSON lines, EVTX records and agent
/// telemetry. Call <see cref="Clear"/> and refill it to decode a stream without per-event growth.
/// </summary>
public sealed class FlatEvent : ISigmaEvent
{
    private readonly Dictionary<string, int> _index = new(FieldNameComparer.Instance);
    private readonly List<string> _names = [];
    private readonly List<FieldValue> _values = [];

    public int FieldCount => _values.Count;

    public LogSourceHint Source { get; set; }

    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>A reference that identifies the event to a person (file and record id, ingest id…).</summary>
    public string? Reference { get; set; }

    public void Clear()
    {
        _index.Clear();
        _names.Clear();
        _values.Clear();
        Source = default;
        Timestamp = null;
        Reference = null;
    }

    /// <summary>Sets a field. A second value under the same name turns the field into an array.</summary>
    public void Set(string name, FieldValue value)
    {
        if (_index.TryGetValue(name, out int existing))
        {
            FieldValue old = _values[existing];
            _values[existing] = Merge(old, value);
            return;
        }

        _index[name] = _values.Count;
        _names.Add(name);
        _values.Add(value);
    }

    public void Set(string name, string? text) =>
        Set(name, text is null ? FieldValue.Null : FieldValue.FromString(text));

    public bool TryGetField(string name, out FieldValue value)
    {
        if (_index.TryGetValue(name, out int i))
        {
            value = _values[i];
            return true;
        }

        value = default;
        return false;
    }

    public FieldValue GetFieldAt(int index, out string name)
    {
        name = _names[index];
        return _values[index];
    }

    public IEnumerable<KeyValuePair<string, FieldValue>> Fields
    {
        get
        {
            for (int i = 0; i < _values.Count; i++)
            {
                yield return new(_names[i], _values[i]);
            }
        }
    }

    private static FieldValue Merge(FieldValue a, FieldValue b)
    {
        var items = new List<string>();
        AddItems(items, a);
        AddItems(items, b);
        return new FieldValue([.. items]);
    }

    private static void AddItems(List<string> items, FieldValue v)
    {
        if (v.Kind == FieldKind.Array)
        {
            items.AddRange(v.Items!);
        }
        else if (v.Text is not null)
        {
            items.Add(v.Text);
        }
    }
}

/// <summary>
/// Case-insensitive field-name comparer with a cheap hash (length and three folded characters):
/// field lookups are the engine's most frequent operation, and names differ in exactly those places.
/// </summary>
internal sealed class FieldNameComparer : IEqualityComparer<string>
{
    public static readonly FieldNameComparer Instance = new();

    public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.OrdinalIgnoreCase);

    public int GetHashCode(string s)
    {
        int n = s.Length;
        return n == 0 ? 0 : (n * 397) ^ (Fold(s[0]) * 31) ^ (Fold(s[n >> 1]) * 7919) ^ (Fold(s[n - 1]) << 16);
    }

    private static int Fold(char c) => c < 128 ? c & ~0x20 : char.ToUpperInvariant(c);
}
