using System.Collections.Frozen;
using System.Globalization;
using System.Resources;

namespace Yamori.SocConsole.Localization;

/// <summary>
/// The console's words in one language. Japanese is the default, English a switch. Strings live in
/// resource files, one pair per screen area (<c>Resources/Ja/&lt;Area&gt;.resx</c> and
/// <c>Resources/En/&lt;Area&gt;.resx</c>). They are plain neutral resources rather than satellite
/// assemblies because the host runs with invariant globalization, where culture lookup is unavailable.
/// </summary>
public sealed class UiText
{
    public const string Japanese = "ja";
    public const string English = "en";

    /// <summary>The cookie that remembers the chosen language (not a secret, readable by scripts).</summary>
    public const string LanguageCookie = "yamori_lang";

    private static readonly Lazy<(UiText Ja, UiText En)> Loaded = new(Load);

    private readonly FrozenDictionary<string, string> _strings;

    private UiText(string language, FrozenDictionary<string, string> strings)
    {
        Language = language;
        _strings = strings;
    }

    /// <summary><c>ja</c> or <c>en</c>.</summary>
    public string Language { get; }

    public bool IsJapanese => Language == Japanese;

    /// <summary>Every key of this language (tests compare the two languages).</summary>
    public IEnumerable<string> Keys => _strings.Keys;

    /// <summary>The string for <paramref name="key"/>; a missing key shows as itself in brackets, never as a blank.</summary>
    public string this[string key] => _strings.TryGetValue(key, out string? value) ? value : $"[{key}]";

    public bool Has(string key) => _strings.ContainsKey(key);

    /// <summary>A composite format string from the resources, filled with <paramref name="args"/>.</summary>
    public string Format(string key, params object?[] args) => string.Format(CultureInfo.InvariantCulture, this[key], args);

    /// <summary>The texts for a language code; anything but <c>en</c> gives Japanese.</summary>
    public static UiText For(string? language) =>
        string.Equals(language, English, StringComparison.OrdinalIgnoreCase) ? Loaded.Value.En : Loaded.Value.Ja;

    private static (UiText, UiText) Load() => (new UiText(Japanese, Read("Ja")), new UiText(English, Read("En")));

    private static FrozenDictionary<string, string> Read(string folder)
    {
        var assembly = typeof(UiText).Assembly;
        string prefix = $"Yamori.SocConsole.Resources.{folder}.";
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".resources", StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new ResourceReader(stream);
            foreach (System.Collections.DictionaryEntry entry in reader)
            {
                string key = (string)entry.Key;
                if (!strings.TryAdd(key, entry.Value as string ?? ""))
                {
                    // Two areas defining one key would make the shown text depend on load order.
                    throw new InvalidOperationException($"console resource key '{key}' is defined twice ({name})");
                }
            }
        }

        return strings.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
