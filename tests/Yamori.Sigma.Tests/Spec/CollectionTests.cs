using Yamori.Sigma.Engine;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Tests.Spec;

/// <summary>
/// Rule collections: several YAML documents in one file, with <c>action: global</c> (a document merged into every
/// following document), <c>action: reset</c> (forget the global document) and <c>action: repeat</c> (the previous
/// document again, with this document merged over it). Sigma v2.1's rule specification no longer describes them
/// (they come from the Sigma 1.x specification, "Rule Collections"), but SigmaHQ-era rules still use them.
/// </summary>
public sealed class CollectionTests
{
    private static List<SigmaRule> Match(RuleSet set, FlatEvent e)
    {
        var matches = new List<SigmaRule>();
        new SigmaEngine(set).CreateSession().Match(e, matches);
        return matches;
    }

    private static FlatEvent Event(params (string Field, string? Value)[] fields) => SpecRule.Event(fields);

    [Fact]
    public void Separate_documents_are_separate_rules()
    {
        RuleSet set = RuleLoader.LoadYaml([("two.yml", """
            title: First
            id: 11111111-1111-4111-8111-111111111111
            logsource: {}
            detection:
                selection:
                    A: '1'
                condition: selection
            ---
            title: Second
            id: 22222222-2222-4222-8222-222222222222
            logsource: {}
            detection:
                selection:
                    B: '1'
                condition: selection
            """)]);
        Assert.Empty(set.Errors);
        Assert.Equal(["First", "Second"], set.Rules.Select(r => r.Title));
        Assert.Equal(["First"], Match(set, Event(("A", "1"))).Select(r => r.Title));
        Assert.Equal(["Second"], Match(set, Event(("B", "1"))).Select(r => r.Title));
    }

    // action: global — its content is merged into each following document: here the title, level, logsource and
    // the condition come from the global document, each rule brings its own id and selection.
    [Fact]
    public void Global_document_is_merged_into_following_documents()
    {
        RuleSet set = RuleLoader.LoadYaml([("collection.yml", """
            action: global
            title: Suspicious tool
            level: high
            logsource: {}
            detection:
                condition: selection and not filter
                filter:
                    User: 'builder'
            ---
            id: 33333333-3333-4333-8333-333333333333
            detection:
                selection:
                    Image|endswith: '\psexec.exe'
            ---
            id: 44444444-4444-4444-8444-444444444444
            detection:
                selection:
                    Image|endswith: '\procdump.exe'
            """)]);
        Assert.Empty(set.Errors);
        Assert.Equal(2, set.Rules.Count);
        Assert.All(set.Rules, r =>
        {
            Assert.Equal("Suspicious tool", r.Title);
            Assert.Equal(SigmaLevel.High, r.Level);
            Assert.Equal("selection and not filter", r.ConditionText);
        });

        Assert.Equal(["33333333-3333-4333-8333-333333333333"], Match(set, Event(("Image", @"C:\t\psexec.exe"), ("User", "eve"))).Select(r => r.Id));
        Assert.Equal(["44444444-4444-4444-8444-444444444444"], Match(set, Event(("Image", @"C:\t\procdump.exe"), ("User", "eve"))).Select(r => r.Id));
        Assert.Empty(Match(set, Event(("Image", @"C:\t\procdump.exe"), ("User", "builder"))));
    }

    // A value a document sets itself wins over the global one; maps are merged key by key.
    [Fact]
    public void Document_values_override_global_values()
    {
        RuleSet set = RuleLoader.LoadYaml([("collection.yml", """
            action: global
            title: Global title
            level: low
            logsource:
                product: windows
            detection:
                condition: selection
            ---
            id: 55555555-5555-4555-8555-555555555555
            title: Own title
            logsource:
                category: process_creation
            detection:
                selection:
                    A: '1'
            """)]);
        Assert.Empty(set.Errors);
        SigmaRule rule = Assert.Single(set.Rules);
        Assert.Equal("Own title", rule.Title);
        Assert.Equal(SigmaLevel.Low, rule.Level);
        Assert.Equal("windows", rule.LogSource.Product);
        Assert.Equal("process_creation", rule.LogSource.Category);
    }

    // action: reset — the global document no longer applies: a document without its own title is incomplete.
    [Fact]
    public void Reset_forgets_the_global_document()
    {
        RuleSet set = RuleLoader.LoadYaml([("collection.yml", """
            action: global
            title: Global title
            logsource: {}
            detection:
                condition: selection
            ---
            id: 66666666-6666-4666-8666-666666666666
            detection:
                selection:
                    A: '1'
            ---
            action: reset
            ---
            id: 77777777-7777-4777-8777-777777777777
            detection:
                selection:
                    B: '1'
            """)]);
        Assert.Equal(["66666666-6666-4666-8666-666666666666"], set.Rules.Select(r => r.Id));
        RuleError error = Assert.Single(set.Errors);
        Assert.Equal("collection.yml", error.File);
        Assert.Equal("77777777-7777-4777-8777-777777777777", error.RuleId);
        Assert.Equal("schema", error.ReasonCode);
        Assert.Equal(14, error.Line);
    }

    // action: repeat — the previous document (after global merging) is repeated with this document merged over it.
    [Fact]
    public void Repeat_reuses_the_previous_document()
    {
        RuleSet set = RuleLoader.LoadYaml([("collection.yml", """
            title: Sysmon variant
            id: 88888888-8888-4888-8888-888888888888
            logsource: {}
            detection:
                selection:
                    EventID: 1
                    Image|endswith: '\mimikatz.exe'
                condition: selection
            ---
            action: repeat
            title: Security variant
            id: 99999999-9999-4999-8999-999999999999
            detection:
                selection:
                    EventID: 4688
            """)]);
        Assert.Empty(set.Errors);
        Assert.Equal(2, set.Rules.Count);
        Assert.Equal(["Sysmon variant"], Match(set, Event(("EventID", "1"), ("Image", @"C:\mimikatz.exe"))).Select(r => r.Title));
        Assert.Equal(["Security variant"], Match(set, Event(("EventID", "4688"), ("Image", @"C:\mimikatz.exe"))).Select(r => r.Title));
        Assert.Empty(Match(set, Event(("EventID", "4688"), ("Image", @"C:\notepad.exe"))));
    }

    [Fact]
    public void Repeat_without_a_previous_document_is_an_error()
    {
        RuleSet set = RuleLoader.LoadYaml([("collection.yml", """
            action: repeat
            title: Nothing to repeat
            """)]);
        Assert.Empty(set.Rules);
        RuleError error = Assert.Single(set.Errors);
        Assert.Equal("schema", error.ReasonCode);
        Assert.Equal("collection.yml", error.File);
        Assert.Equal(1, error.Line);
    }

    // An error in one document of a collection does not stop the others.
    [Fact]
    public void Bad_document_in_a_collection_does_not_stop_the_others()
    {
        RuleSet set = RuleLoader.LoadYaml([("collection.yml", """
            action: global
            title: Collection
            logsource: {}
            ---
            id: aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa
            detection:
                selection:
                    A|nosuchmodifier: '1'
                condition: selection
            ---
            id: bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb
            detection:
                selection:
                    B: '1'
                condition: selection
            """)]);
        Assert.Equal(["bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"], set.Rules.Select(r => r.Id));
        RuleError error = Assert.Single(set.Errors);
        Assert.Equal("unknown-modifier", error.ReasonCode);
        Assert.Equal("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", error.RuleId);
        Assert.Equal(8, error.Line);
    }
}
