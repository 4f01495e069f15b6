using System.Text.RegularExpressions;
using Yamori.SocConsole.Localization;

namespace Yamori.SocConsole.Tests.Localization;

public sealed partial class UiTextTests
{
    [Fact]
    public void Japanese_and_English_have_the_same_keys_and_no_blank_text()
    {
        UiText ja = UiText.For("ja");
        UiText en = UiText.For("en");
        Assert.Equal("ja", ja.Language);
        Assert.Equal("en", en.Language);
        Assert.Empty(ja.Keys.Except(en.Keys));
        Assert.Empty(en.Keys.Except(ja.Keys));
        Assert.All(ja.Keys, k => Assert.False(string.IsNullOrWhiteSpace(ja[k]), $"ja {k} is blank"));
        Assert.All(en.Keys, k => Assert.False(string.IsNullOrWhiteSpace(en[k]), $"en {k} is blank"));
    }

    [Fact]
    public void Japanese_is_the_default_and_a_missing_key_shows_itself()
    {
        Assert.Equal("ja", UiText.For(null).Language);
        Assert.Equal("ja", UiText.For("fr").Language);
        Assert.Equal("[No.Such.Key]", UiText.For("ja")["No.Such.Key"]);
        Assert.Equal("ダッシュボード", UiText.For("ja")["Nav.Dashboard"]);
        Assert.Equal("Dashboard", UiText.For("en")["Nav.Dashboard"]);
    }

    /// <summary>Every literal key the pages use exists, so no screen shows a bracketed key.</summary>
    [Fact]
    public void Every_key_used_in_the_components_exists()
    {
        string root = Path.Combine(RepositoryRoot(), "src", "Yamori.SocConsole");
        UiText ja = UiText.For("ja");
        var missing = new List<string>();
        int used = 0;
        foreach (string file in Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories))
        {
            if (!file.EndsWith(".razor", StringComparison.Ordinal) && !file.EndsWith(".cs", StringComparison.Ordinal) || file.Contains("/obj/", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match m in KeyUse().Matches(File.ReadAllText(file)))
            {
                used++;
                string key = m.Groups["key"].Value;
                if (!ja.Has(key))
                {
                    missing.Add($"{Path.GetRelativePath(root, file)}: {key}");
                }
            }
        }

        Assert.True(used > 50, $"only {used} key uses found: the pattern no longer matches the components");
        Assert.Empty(missing);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Yamori.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    // T["Area.Key"] and T.Format("Area.Key", …); interpolated keys ($"Role.{…}") are checked by the pages' own tests.
    [GeneratedRegex("""T(?:\[|\.Format\()"(?<key>[A-Za-z0-9_.]+)"[\],]""")]
    private static partial Regex KeyUse();
}
