using System.Collections.Concurrent;
using System.Text;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// One string per distinct field name (and logsource part) seen on the wire, shared by every event,
/// instead of a new string per field per event. Bounded, so that an agent inventing names cannot
/// grow it without limit: past the bound names are simply decoded each time.
/// </summary>
internal static class FieldNames
{
    private const int MaxEntries = 16_384;
    private const int MaxInternedBytes = 128;

    private static readonly ConcurrentDictionary<string, string> Table = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Table.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return "";
        }

        try
        {
            return Intern(utf8);
        }
        catch (DecoderFallbackException ex)
        {
            // As the generated parser: invalid UTF-8 makes the message corrupt.
            throw new InvalidDataException("a field name is invalid UTF-8", ex);
        }
    }

    private static string Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxInternedBytes)
        {
            return BatchWireReader.StrictUtf8.GetString(utf8);
        }

        // Decoded on the stack for the lookup.
        Span<char> chars = stackalloc char[MaxInternedBytes];
        int length = BatchWireReader.StrictUtf8.GetChars(utf8, chars);
        ReadOnlySpan<char> name = chars[..length];
        if (Lookup.TryGetValue(name, out string? known))
        {
            return known;
        }

        string created = name.ToString();
        return Table.Count < MaxEntries ? Table.GetOrAdd(created, created) : created;
    }
}
