using System.Text;

namespace Yamori.Agent.Linux.Processes;

/// <summary>
/// Turns UTF-8 bytes into a string, returning the same instance for repeated values (image paths,
/// working directories): a burst of /bin/true execs then costs no string per event. Bounded: it
/// starts over when full. Single-threaded (the receive loop owns it).
/// </summary>
internal sealed class StringPool(int capacity = 4096)
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    public string Get(ReadOnlySpan<byte> utf8)
    {
        // Paths are bounded by PATH_MAX (4096 bytes), so the char buffer stays on the stack.
        Span<char> chars = utf8.Length <= 1024 ? stackalloc char[utf8.Length] : new char[utf8.Length];
        int n = Encoding.UTF8.GetChars(utf8, chars);
        ReadOnlySpan<char> text = chars[..n];
        var lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out string? existing))
        {
            return existing;
        }

        if (_strings.Count >= capacity)
        {
            _strings.Clear();
        }

        string created = new(text);
        _strings[created] = created;
        return created;
    }
}
