using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Rules;
using Yamori.Sigma.Tests.Conformance;

namespace Yamori.Sigma.Tests.Engine;

/// <summary>
/// The literal pre-filter may only skip rules that cannot match. On every SigmaHQ regression event,
/// and on variants with altered case, the pre-filtered result must equal evaluating every rule of the
/// event's log source.
/// </summary>
public sealed class PrefilterSoundnessTests(SigmaHqFixture fixture) : IClassFixture<SigmaHqFixture>
{
    [SkippableFact]
    public void Prefilter_never_loses_a_match_on_regression_events()
    {
        Skip.If(fixture.Root is null, "SigmaHQ data not found: set YAMORI_SIGMAHQ or place ../shared next to the repository");
        MatchSession session = fixture.Engine!.CreateSession();
        var fast = new List<SigmaRule>();
        var full = new List<SigmaRule>();
        int events = 0, matched = 0;
        foreach (string file in Directory.EnumerateFiles(Path.Combine(fixture.Root, "regression_data"), "*.json", SearchOption.AllDirectories))
        {
            foreach (FlatEvent original in JsonEventReader.ReadAll(File.ReadAllBytes(file)))
            {
                foreach (FlatEvent e in new[] { original, Recase(original, upper: true), Recase(original, upper: false) })
                {
                    events++;
                    fast.Clear();
                    full.Clear();
                    session.Match(e, fast);
                    session.MatchWithoutPrefilter(e, full);
                    Assert.Equal(Ids(full), Ids(fast));
                    matched += full.Count;
                }
            }
        }

        Assert.True(events > 500, $"expected the regression suite's events, read {events}");
        Assert.True(matched > events / 3, $"the check is only meaningful if many events match; {matched} matches over {events} events");
        Assert.True(session.Evaluations < (long)events * 100, $"the pre-filter should leave few candidates: {session.Evaluations} evaluations for {events} events");
    }

    private static List<string> Ids(List<SigmaRule> rules)
    {
        var ids = new List<string>(rules.Count);
        foreach (SigmaRule r in rules)
        {
            ids.Add(r.Id);
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Sigma matching is case-insensitive: changing the case of values must not change the result of either path.</summary>
    private static FlatEvent Recase(FlatEvent e, bool upper)
    {
        var copy = new FlatEvent { Source = e.Source, Timestamp = e.Timestamp };
        foreach (KeyValuePair<string, FieldValue> f in e.Fields)
        {
            FieldValue v = f.Value;
            copy.Set(f.Key, v.Kind == FieldKind.String && f.Key != "Channel"
                ? FieldValue.FromString(upper ? v.Text!.ToUpperInvariant() : v.Text!.ToLowerInvariant())
                : v);
        }

        return copy;
    }
}
