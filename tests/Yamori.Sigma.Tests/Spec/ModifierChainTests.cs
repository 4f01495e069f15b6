using Yamori.Sigma.Matching;
using Yamori.Sigma.Parsing;

namespace Yamori.Sigma.Tests.Spec;

/// <summary>
/// The specific modifiers (expand, fieldref) and modifier chains: "Value modifiers are appended after the field
/// name with a pipe character | as separator and can also be chained ... The value modifiers are applied in the
/// given order to the value." Chains the appendix does not allow must be rejected at load with a reason.
/// </summary>
public sealed class ModifierChainTests
{
    private static CompileOptions WithPlaceholders(params (string Name, string[] Values)[] placeholders)
    {
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, string[] values) in placeholders)
        {
            map[name] = values;
        }

        return new CompileOptions { Placeholders = map };
    }

    // "Replacement of placeholders with a single, multiple or-linked values or patterns."
    [Theory]
    [InlineData("adm_alice", true)]
    [InlineData("ADM_BOB", true)]
    [InlineData("adm_carol", false)]
    public void Expand_replaces_a_placeholder_with_or_linked_values(string user, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                User|expand: '%Administrators%'
            condition: selection
            """, WithPlaceholders(("Administrators", ["adm_alice", "adm_bob"])));
        Assert.Equal(expected, rule.MatchesField("User", user));
    }

    // "Example: the placeholder %Servers% is replaced with the pattern srv* because servers are named so".
    [Theory]
    [InlineData("srv01", true)]
    [InlineData("SRV-db", true)]
    [InlineData("wks01", false)]
    public void Expand_placeholder_values_may_be_patterns(string host, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                Computer|expand: '%Servers%'
            condition: selection
            """, WithPlaceholders(("Servers", ["srv*"])));
        Assert.Equal(expected, rule.MatchesField("Computer", host));
    }

    // "field: %name% handles %name% as literal value."
    [Fact]
    public void Without_expand_a_placeholder_is_a_literal()
    {
        var rule = SpecRule.Compile("""
            selection:
                User: '%Administrators%'
            condition: selection
            """, WithPlaceholders(("Administrators", ["adm_alice"])));
        Assert.True(rule.MatchesField("User", "%Administrators%"));
        Assert.False(rule.MatchesField("User", "adm_alice"));
    }

    // "field|expand: \%plain%name% handles %plain as plain value and %name% as placeholder."
    [Theory]
    [InlineData("%plainX", true)]
    [InlineData("%plainY", true)]
    [InlineData("%plain%name%", false)]
    [InlineData("plainX", false)]
    public void Expand_escaped_percent_is_plain(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                Field|expand: '\%plain%name%'
            condition: selection
            """, WithPlaceholders(("name", ["X", "Y"])));
        Assert.Equal(expected, rule.MatchesField("Field", value));
    }

    [Fact]
    public void Expand_with_several_placeholders_takes_every_combination()
    {
        var rule = SpecRule.Compile("""
            selection:
                Target|expand: '%Domain%:%User%'
            condition: selection
            """, WithPlaceholders(("Domain", ["CORP", "LAB"]), ("User", ["alice", "bob"])));
        Assert.True(rule.MatchesField("Target", "corp:alice"));
        Assert.True(rule.MatchesField("Target", "LAB:bob"));
        Assert.False(rule.MatchesField("Target", "corp:carol"));
    }

    // "If the tool isn't able to handle placeholders, it must reject the rule."
    [Fact]
    public void Expand_without_a_configured_value_rejects_the_rule()
    {
        RuleError error = SpecRule.Reject("""
            selection:
                User|expand: '%Administrators%'
            condition: selection
            """);
        Assert.Equal("placeholder", error.ReasonCode);
        Assert.Equal(SpecRule.FirstDetectionLine + 1, error.Line);
        Assert.Contains("Administrators", error.Message, StringComparison.Ordinal);
    }

    // "fieldref: Modifies a plain string into a field reference. A field reference can be used to compare fields
    // of matched events directly at query/matching time." Values stay case-insensitive strings.
    [Theory]
    [InlineData(@"C:\Windows\explorer.exe", @"C:\Windows\explorer.exe", true)]
    [InlineData(@"C:\Windows\explorer.exe", @"c:\windows\EXPLORER.EXE", true)]
    [InlineData(@"C:\Windows\explorer.exe", @"C:\Windows\cmd.exe", false)]
    public void Fieldref_compares_two_fields(string image, string parentImage, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                Image|fieldref: ParentImage
            condition: selection
            """);
        Assert.Equal(expected, rule.Matches(("Image", image), ("ParentImage", parentImage)));
    }

    [Fact]
    public void Fieldref_with_an_absent_field_does_not_match()
    {
        var rule = SpecRule.Compile("""
            selection:
                Image|fieldref: ParentImage
            condition: selection
            """);
        Assert.False(rule.Matches(("Image", "a")));
        Assert.False(rule.Matches(("ParentImage", "a")));
    }

    // "Can be conbine with the neq modifier."
    [Theory]
    [InlineData("alice", "bob", true)]
    [InlineData("alice", "ALICE", false)]
    [InlineData("alice", "alice", false)]
    public void Fieldref_neq_matches_different_fields(string subject, string target, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                SubjectUserName|fieldref|neq: TargetUserName
            condition: selection
            """);
        Assert.Equal(expected, rule.Matches(("SubjectUserName", subject), ("TargetUserName", target)));
    }

    // pySigma also lets fieldref combine with the position modifiers (the field value contains / starts / ends
    // with the other field's value); the engine supports them.
    [Theory]
    [InlineData("contains", "cmd.exe /c C:\\tmp\\evil.exe /q", true)]
    [InlineData("contains", "cmd.exe /c other.exe", false)]
    [InlineData("startswith", "C:\\tmp\\evil.exe /q", true)]
    [InlineData("startswith", "x C:\\tmp\\evil.exe", false)]
    [InlineData("endswith", "run C:\\TMP\\EVIL.EXE", true)]
    [InlineData("endswith", "C:\\tmp\\evil.exe /q", false)]
    public void Fieldref_with_position_modifiers(string modifier, string commandLine, bool expected)
    {
        var rule = SpecRule.Compile($"""
            selection:
                CommandLine|fieldref|{modifier}: Image
            condition: selection
            """);
        Assert.Equal(expected, rule.Matches(("CommandLine", commandLine), ("Image", @"C:\tmp\evil.exe")));
    }

    // Chains the appendix describes or implies; each must load (the matching behaviour of each is tested above).
    [Theory]
    [InlineData("CommandLine|base64offset|contains: 'http://'")]
    [InlineData("CommandLine|wide|base64offset|contains: 'ping'")]
    [InlineData("CommandLine|utf16be|base64offset|contains: 'ping'")]
    [InlineData("SubjectUserName|fieldref|neq: TargetUserName")]
    [InlineData("CommandLine|windash|contains: ' -enc '")]
    [InlineData("CommandLine|contains|all: ['a', 'b']")]
    [InlineData("CommandLine|contains|cased: 'EncodedCommand'")]
    [InlineData("CommandLine|re|i|m|s: '^a.b$'")]
    [InlineData("UtcTime|hour: 3")]
    [InlineData("DestinationIp|cidr: ['10.0.0.0/8', '::1/128']")]
    [InlineData("Count|neq: 3")]
    public void Legal_chains_load(string item)
    {
        SpecRule.Compile($"""
            selection:
                {item}
            condition: selection
            """);
    }

    // Chains that break the appendix's rules:
    // - "re" is a type modifier whose value is a regular expression, not a string to encode;
    // - contains/startswith/endswith each fix where the value sits, so two of them contradict each other;
    // - "i", "m", "s" are "re sub-modifiers";
    // - "exists ... by providing a boolean value";
    // - numeric modifiers "can only be applied to numeric values", cidr to IP ranges;
    // - encoding happens before wildcards are added ("contains|base64" would have to encode the wildcard itself).
    [Theory]
    [InlineData("CommandLine|re|base64: 'a+'", "invalid-modifier")]
    [InlineData("CommandLine|base64|re: 'a+'", "invalid-modifier")]
    [InlineData("CommandLine|contains|startswith: 'a'", "invalid-modifier")]
    [InlineData("CommandLine|endswith|contains: 'a'", "invalid-modifier")]
    [InlineData("CommandLine|foo: 'a'", "unknown-modifier")]
    [InlineData("CommandLine|i: 'a'", "invalid-modifier")]
    [InlineData("CommandLine|contains|m: 'a'", "invalid-modifier")]
    [InlineData("CommandLine|exists: 'yes'", "invalid-modifier")]
    [InlineData("CommandLine|exists|contains: true", "invalid-modifier")]
    [InlineData("CommandLine|contains|base64: 'a'", "invalid-modifier")]
    [InlineData("Count|gt|lt: 5", "invalid-modifier")]
    [InlineData("Count|gt: 'abc'", "invalid-value")]
    [InlineData("Count|gt|contains: 5", "invalid-modifier")]
    [InlineData("DestinationIp|cidr: 'not-a-range'", "invalid-value")]
    [InlineData("DestinationIp|cidr|contains: '10.0.0.0/8'", "invalid-modifier")]
    [InlineData("UtcTime|hour|minute: 3", "invalid-modifier")]
    [InlineData("Image|fieldref|re: ParentImage", "invalid-modifier")]
    public void Illegal_chains_are_rejected_with_a_reason(string item, string reason)
    {
        RuleError error = SpecRule.Reject($"""
            selection:
                {item}
            condition: selection
            """);
        Assert.Equal(reason, error.ReasonCode);
        Assert.Equal(SpecRule.FirstDetectionLine + 1, error.Line);
    }

    // "Single item values are not allowed to have an all modifier as some back-ends cannot support it."
    [Fact]
    public void All_with_a_single_value_is_rejected()
    {
        RuleError error = SpecRule.Reject("""
            selection:
                CommandLine|contains|all: 'single'
            condition: selection
            """);
        Assert.Equal(SpecRule.FirstDetectionLine + 1, error.Line);
    }
}
