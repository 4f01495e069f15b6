namespace Yamori.Sigma.Matching;

/// <summary>
/// Interns the Sigma field names used by compiled rules into slots, so a log source's renames can be
/// applied with one array per source instead of a dictionary lookup per field access.
/// </summary>
internal sealed class FieldTable
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _names.Count;
            }
        }
    }

    public int Slot(string name)
    {
        lock (_lock)
        {
            if (!_slots.TryGetValue(name, out int slot))
            {
                slot = _names.Count;
                _slots[name] = slot;
                _names.Add(name);
            }

            return slot;
        }
    }

    /// <summary>Field names by slot, each replaced by its rename when <paramref name="renames"/> has one.</summary>
    public string[] Resolve(IReadOnlyDictionary<string, string> renames)
    {
        lock (_lock)
        {
            var result = new string[_names.Count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = renames.TryGetValue(_names[i], out string? renamed) ? renamed : _names[i];
            }

            return result;
        }
    }
}
