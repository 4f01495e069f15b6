using Yamori.Tests;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Matching;

namespace Yamori.Sigma.Tests.Conformance;

/// <summary>Loads every SigmaHQ rule once for the conformance tests (about a second).</summary>
public sealed class SigmaHqFixture
{
    public static readonly string[] RuleFolders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance", "rules-dfir"];

    public SigmaHqFixture()
    {
        Root = TestData.SigmaHqRoot;
        if (Root is null)
        {
            return;
        }

        var folders = new List<string>();
        foreach (string f in RuleFolders)
        {
            string path = Path.Combine(Root, f);
            if (Directory.Exists(path))
            {
                folders.Add(path);
            }
        }

        Rules = RuleLoader.Load(folders, new CompileOptions { Placeholders = PlaceholderConfig.Load(TestData.PlaceholderConfigPath) });
        Engine = new SigmaEngine(Rules);
    }

    public string? Root { get; }

    public RuleSet? Rules { get; }

    public SigmaEngine? Engine { get; }
}
