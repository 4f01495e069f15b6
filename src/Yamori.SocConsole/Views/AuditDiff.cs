using System.Text.Json;

namespace Yamori.SocConsole.Views;

/// <summary>How one field differs between an audit entry's before and after.</summary>
public enum AuditChange
{
    Added,
    Removed,
    Changed,
    Same,
}

/// <summary>One field (a dotted path into the JSON) with its before and after text.</summary>
public sealed record AuditDiffLine(string Field, string? Before, string? After, AuditChange Change);

/// <summary>
/// The field-by-field difference of an audit entry's before/after JSON, so a reviewer sees what a
/// change did without reading two documents. Text that is not JSON is compared as a whole.
/// </summary>
public static class AuditDiff
{
    private const int MaxDepth = 8;

    public static IReadOnlyList<AuditDiffLine> Compute(string? before, string? after)
    {
        Dictionary<string, string> b = Flatten(before);
        Dictionary<string, string> a = Flatten(after);
        var lines = new List<AuditDiffLine>();
        foreach (string field in b.Keys.Union(a.Keys).OrderBy(k => k, StringComparer.Ordinal))
        {
            bool inBefore = b.TryGetValue(field, out string? was);
            bool inAfter = a.TryGetValue(field, out string? now);
            AuditChange change = !inBefore ? AuditChange.Added
                : !inAfter ? AuditChange.Removed
                : was == now ? AuditChange.Same
                : AuditChange.Changed;
            lines.Add(new AuditDiffLine(field, was, now, change));
        }

        return lines;
    }

    private static Dictionary<string, string> Flatten(string? text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fields;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            Add(fields, "", doc.RootElement, 0);
        }
        catch (JsonException)
        {
            fields["(text)"] = text;
        }

        return fields;
    }

    private static void Add(Dictionary<string, string> fields, string path, JsonElement value, int depth)
    {
        if (value.ValueKind == JsonValueKind.Object && depth < MaxDepth)
        {
            bool any = false;
            foreach (JsonProperty p in value.EnumerateObject())
            {
                any = true;
                Add(fields, path.Length == 0 ? p.Name : $"{path}.{p.Name}", p.Value, depth + 1);
            }

            if (any)
            {
                return;
            }
        }

        // Arrays stay whole: a list of CIDRs or ids reads better as one line than as indexed fields.
        fields[path.Length == 0 ? "(value)" : path] = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }
}
