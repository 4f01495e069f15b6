using System.Collections.Frozen;

namespace Yamori.SocConsole.Localization;

/// <summary>
/// ATT&amp;CK technique names for the ids Sigma rules tag (<c>T1059.001</c> → "Command and Scripting
/// Interpreter: PowerShell"). MITRE publishes them in English only; SOC staff in Japan use them so.
/// </summary>
public static class AttackNames
{
    private static readonly Lazy<FrozenDictionary<string, string>> Names = new(Load);

    /// <summary>The technique's name, or null for an id not in the table.</summary>
    public static string? Find(string techniqueId) =>
        Names.Value.TryGetValue(techniqueId.ToUpperInvariant(), out string? name) ? name : null;

    /// <summary>The technique's page on attack.mitre.org (sub-techniques as <c>T1059/001</c>).</summary>
    public static string Url(string techniqueId) =>
        "https://attack.mitre.org/techniques/" + techniqueId.ToUpperInvariant().Replace('.', '/') + "/";

    private static FrozenDictionary<string, string> Load()
    {
        using Stream stream = typeof(AttackNames).Assembly.GetManifestResourceStream("Yamori.SocConsole.Attack.techniques.tsv")
            ?? throw new InvalidOperationException("the ATT&CK technique table is missing from the assembly");
        using var reader = new StreamReader(stream);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0 || !names.TryAdd(line[..tab], line[(tab + 1)..]))
            {
                throw new InvalidOperationException($"techniques.tsv line {lineNumber}: expected a new id, a tab and a name");
            }
        }

        return names.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
