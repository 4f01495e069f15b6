using Yamori.Sigma.Events;
using Yamori.Sigma.Parsing;

namespace Yamori.Sigma.Tests.Spec;

/// <summary>
/// Values of sigma-rules-specification.md "Detection": wildcards, escaping, case, special values (null and
/// empty), numbers, booleans, lists and maps, and events whose field holds several values.
/// </summary>
public sealed class ValueTests
{
    private static SpecRule FieldEquals(string field, string yamlValue) => SpecRule.Compile($"""
        selection:
            {field}: {yamlValue}
        condition: selection
        """);

    // "? to replace a single mandatory character." Example: "progA.exe or progB.exe or ... will be prog?.exe"
    [Theory]
    [InlineData("progA.exe", true)]
    [InlineData("progB.exe", true)]
    [InlineData("PROGB.EXE", true)]
    [InlineData("prog.exe", false)] // mandatory: exactly one character
    [InlineData("progAB.exe", false)]
    public void Question_mark_is_one_mandatory_character(string value, bool expected)
    {
        Assert.Equal(expected, FieldEquals("Image", "'prog?.exe'").MatchesField("Image", value));
    }

    // "* to replace an unbounded length wildcard." Example: "antivirus_V1.exe or antivirus_V21.2.1.exe ... will be
    // antivirus_V*.exe"
    [Theory]
    [InlineData("antivirus_V1.exe", true)]
    [InlineData("antivirus_V21.2.1.exe", true)]
    [InlineData("antivirus_V.exe", true)] // unbounded includes zero characters
    [InlineData("antivirus_V1.exe.bak", false)] // the value is still anchored at both ends
    [InlineData("my_antivirus_V1.exe", false)]
    public void Star_is_an_unbounded_wildcard(string value, bool expected)
    {
        Assert.Equal(expected, FieldEquals("Image", "'antivirus_V*.exe'").MatchesField("Image", value));
    }

    // A backslash directly before a wildcard must itself be escaped ("\\*"), else it escapes the wildcard.
    [Theory]
    [InlineData(@"C:\Windows\System32\cmd.exe", true)]
    [InlineData(@"C:\Windows\SysWOW64\cmd.exe", true)]
    [InlineData(@"C:\Windows\cmd.exe", false)]
    [InlineData(@"C:\Windows\a\b\cmd.exe", true)]
    public void Wildcards_combine_inside_a_value(string value, bool expected)
    {
        Assert.Equal(expected, FieldEquals("Image", @"'C:\Windows\\*?\cmd.exe'").MatchesField("Image", value));
    }

    // The same value written with a single backslash before the star: "\*" is an escaped, plain star.
    [Theory]
    [InlineData(@"C:\Windows*x\cmd.exe", true)]
    [InlineData(@"C:\Windows\System32\cmd.exe", false)]
    public void Single_backslash_before_a_star_escapes_it(string value, bool expected)
    {
        Assert.Equal(expected, FieldEquals("Image", @"'C:\Windows\*?\cmd.exe'").MatchesField("Image", value));
    }

    // "Escape Character" — the spec's bullet list, one case per bullet:
    // 1. "Plain backslash not followed by a wildcard can be expressed as single \ or double backslash \\."
    // 2. "A wildcard has to be escaped to be handled as a plain character. eg: \*, \?."
    // 3. "The backslash before a wildcard has to be escaped to handle the value as a backslash followed by a
    //    wildcard: \\*."
    // 4. "Three backslashes are necessary to escape both, the backslash and the wildcard and handle them as plain
    //    values: \\\*."
    // 5. "Three or four backslashes are handled as double backslash. Four is recommended for consistency reasons:
    //    \\\\ results in the plain value \\."
    [Theory]
    [InlineData(@"C:\Windows\x.exe", @"C:\Windows\x.exe", true)] // 1: single
    [InlineData(@"C:\\Windows\\x.exe", @"C:\Windows\x.exe", true)] // 1: double
    [InlineData(@"C:\\Windows\\x.exe", @"C:\\Windows\\x.exe", false)]
    [InlineData(@"a\*b", "a*b", true)] // 2
    [InlineData(@"a\*b", "axxb", false)]
    [InlineData(@"a\?b", "a?b", true)] // 2
    [InlineData(@"a\?b", "axb", false)]
    [InlineData(@"a\\*", @"a\", true)] // 3: backslash, then a wildcard
    [InlineData(@"a\\*", @"a\anything", true)]
    [InlineData(@"a\\*", "a", false)]
    [InlineData(@"a\\*", "a*", false)]
    [InlineData(@"a\\\*", @"a\*", true)] // 4: plain backslash and plain star
    [InlineData(@"a\\\*", @"a\x", false)]
    [InlineData(@"a\\\*", @"a\", false)]
    [InlineData(@"a\\\\b", @"a\\b", true)] // 5: four backslashes are two
    [InlineData(@"a\\\\b", @"a\b", false)]
    [InlineData(@"a\\\b", @"a\\b", true)] // 5: three backslashes are two as well
    [InlineData(@"a\\\\*", @"a\\xyz", true)] // 5 then a wildcard
    [InlineData(@"C:\", @"C:\", true)] // 1: a lone trailing backslash is a plain backslash
    [InlineData(@"\\server\share", @"\server\share", true)] // 1: leading double backslash is one backslash
    public void Escaping_follows_the_spec_list(string ruleValue, string eventValue, bool expected)
    {
        Assert.Equal(expected, FieldEquals("Path", $"'{ruleValue}'").MatchesField("Path", eventValue));
    }

    // "All values are treated as case-insensitive strings."
    [Theory]
    [InlineData(@"C:\Windows\System32\whoami.exe", true)]
    [InlineData(@"c:\windows\system32\WHOAMI.EXE", true)]
    [InlineData(@"C:\Windows\System32\whoami.ex", false)]
    public void Values_are_case_insensitive(string value, bool expected)
    {
        Assert.Equal(expected, FieldEquals("Image", @"'C:\Windows\System32\whoami.exe'").MatchesField("Image", value));
    }

    [Fact]
    public void Case_insensitivity_covers_non_ascii_letters()
    {
        SpecRule rule = FieldEquals("TargetFilename", "'C:\\Users\\ÉLODIE\\Ärger.txt'");
        Assert.True(rule.MatchesField("TargetFilename", "c:\\users\\élodie\\ärger.TXT"));
        Assert.False(rule.MatchesField("TargetFilename", "c:\\users\\elodie\\arger.txt"));
    }

    // "A null value is defined with null" — the field is absent or explicitly null ("not null" is written as a
    // negated selection, so null itself must cover the missing field). The empty string is not null: null "is its
    // own type and therefore shares no type with any other value".
    [Fact]
    public void Null_matches_an_absent_or_null_field_only()
    {
        SpecRule rule = FieldEquals("PasswordLastSet", "null");
        Assert.True(rule.Matches(("Other", "x")));
        Assert.True(rule.MatchesField("PasswordLastSet", null));
        Assert.False(rule.MatchesField("PasswordLastSet", "2024-01-01"));
        Assert.False(rule.MatchesField("PasswordLastSet", string.Empty));
    }

    // Spec example: "selection: EventID: 4738 / filter: PasswordLastSet: null / condition: selection and not filter"
    [Fact]
    public void Not_null_is_a_negated_null_selection()
    {
        var rule = SpecRule.Compile("""
            selection:
                EventID: 4738
            filter:
                PasswordLastSet: null
            condition: selection and not filter
            """);
        Assert.True(rule.Matches(("EventID", "4738"), ("PasswordLastSet", "2024-01-01")));
        Assert.False(rule.Matches(("EventID", "4738"), ("PasswordLastSet", null)));
        Assert.False(rule.Matches(("EventID", "4738")));
    }

    // "An empty value is defined with ''".
    [Fact]
    public void Empty_string_matches_an_empty_value_only()
    {
        SpecRule rule = FieldEquals("CommandLine", "''");
        Assert.True(rule.MatchesField("CommandLine", string.Empty));
        Assert.False(rule.MatchesField("CommandLine", " "));
        Assert.False(rule.MatchesField("CommandLine", "x"));
        Assert.False(rule.Matches(("Other", "x")));
    }

    // The spec's "Valid Example": selection_main and 1 of selection_empty* (FieldB '' or FieldB null).
    [Fact]
    public void Spec_valid_example_empty_or_null()
    {
        var rule = SpecRule.Compile("""
            selection_main:
                FieldA: 'something'
            selection_empty1:
                FieldB: ''
            selection_empty2:
                FieldB: null
            condition: selection_main and 1 of selection_empty*
            """);
        Assert.True(rule.Matches(("FieldA", "something"), ("FieldB", string.Empty)));
        Assert.True(rule.Matches(("FieldA", "something"), ("FieldB", null)));
        Assert.True(rule.Matches(("FieldA", "something")));
        Assert.False(rule.Matches(("FieldA", "something"), ("FieldB", "x")));
        Assert.False(rule.Matches(("FieldA", "other"), ("FieldB", string.Empty)));
    }

    // The spec's "Invalid Example": "null cannot be part of a list of field values".
    [Fact]
    public void Spec_invalid_example_null_in_a_list_is_rejected()
    {
        RuleError error = SpecRule.Reject("""
            selection_main:
                FieldA: 'something'
                FieldB:
                    - ''
                    - null
            condition: selection_main
            """);
        Assert.Equal("invalid-value", error.ReasonCode);
        Assert.Equal(SpecRule.FirstDetectionLine + 2, error.Line);
    }

    // Numbers: "Numeric values don't use any quotes", and "All values are treated as ... strings": the rule's
    // 4688 equals the event's "4688" whether the event carries it as text or as a number.
    [Fact]
    public void Numbers_compare_with_text_and_numeric_event_values()
    {
        SpecRule rule = FieldEquals("EventID", "4688");
        Assert.True(rule.MatchesField("EventID", "4688"));
        Assert.True(rule.Matches(SpecRule.Event("EventID", new FieldValue(FieldKind.Number, "4688"))));
        Assert.False(rule.MatchesField("EventID", "4689"));
        Assert.False(rule.MatchesField("EventID", "46880"));

        SpecRule quoted = FieldEquals("EventID", "'4688'");
        Assert.True(quoted.Matches(SpecRule.Event("EventID", new FieldValue(FieldKind.Number, "4688"))));
    }

    // Spec example: "TicketOptions: '0x40810000'" — hexadecimal codes are written quoted and compared as text.
    [Fact]
    public void Spec_example_map_is_an_and_of_its_keys()
    {
        var rule = SpecRule.Compile("""
            selection:
                  EventLog: Security
                  EventID: 4769
                  TicketOptions: '0x40810000'
                  TicketEncryption: '0x17'
            condition: selection
            """);
        Assert.True(rule.Matches(("EventLog", "Security"), ("EventID", "4769"), ("TicketOptions", "0x40810000"), ("TicketEncryption", "0x17")));
        Assert.False(rule.Matches(("EventLog", "Security"), ("EventID", "4769"), ("TicketOptions", "0x40810000"), ("TicketEncryption", "0x12")));
        Assert.False(rule.Matches(("EventLog", "Security"), ("EventID", "4769"), ("TicketOptions", "0x40810000")));
    }

    // Spec example: "matches on EventLog 'Security' and ( Event ID 517 or Event ID 1102 )".
    [Theory]
    [InlineData("Security", "517", true)]
    [InlineData("Security", "1102", true)]
    [InlineData("Security", "4624", false)]
    [InlineData("System", "517", false)]
    public void Spec_example_value_list_is_an_or(string log, string id, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                EventLog: Security
                EventID:
                    - 517
                    - 1102
            condition: selection
            """);
        Assert.Equal(expected, rule.Matches(("EventLog", log), ("EventID", id)));
    }

    // Booleans are values like any other ("treated as case-insensitive strings").
    [Fact]
    public void Booleans()
    {
        SpecRule rule = FieldEquals("Enabled", "true");
        Assert.True(rule.MatchesField("Enabled", "true"));
        Assert.True(rule.MatchesField("Enabled", "True"));
        Assert.True(rule.Matches(SpecRule.Event("Enabled", new FieldValue(FieldKind.Boolean, "true"))));
        Assert.False(rule.MatchesField("Enabled", "false"));
        Assert.False(rule.Matches(SpecRule.Event("Enabled", new FieldValue(FieldKind.Boolean, "false"))));
    }

    // An event field with several values (a JSON array, a multi-valued EVTX field): the field matches when any of
    // its values does.
    [Fact]
    public void Multi_valued_field_matches_when_any_item_matches()
    {
        SpecRule rule = FieldEquals("Tags", "'suspicious'");
        var e = new FlatEvent();
        e.Set("Tags", "benign");
        e.Set("Tags", "suspicious");
        Assert.True(rule.Matches(e));
        Assert.True(rule.Matches(SpecRule.Event("Tags", new FieldValue(["a", "SUSPICIOUS", "c"]))));
        Assert.False(rule.Matches(SpecRule.Event("Tags", new FieldValue(["a", "b"]))));
    }

    [Fact]
    public void Multi_valued_field_with_modifiers_and_keywords()
    {
        var contains = SpecRule.Compile("""
            selection:
                Hashes|contains: 'MD5=ABC'
            condition: selection
            """);
        Assert.True(contains.Matches(SpecRule.Event("Hashes", new FieldValue(["SHA1=000", "md5=abc123"]))));
        Assert.False(contains.Matches(SpecRule.Event("Hashes", new FieldValue(["SHA1=000", "SHA256=111"]))));

        var keywords = SpecRule.Compile("""
            keywords:
                - 'mimikatz'
            condition: keywords
            """);
        Assert.True(keywords.Matches(SpecRule.Event("Args", new FieldValue(["x", "run Mimikatz now"]))));
    }

    // "You don't have to escape characters except the string quotation marks '." (YAML: '' inside '…')
    [Fact]
    public void Quote_inside_a_single_quoted_value()
    {
        SpecRule rule = FieldEquals("CommandLine", "'echo ''hi'''");
        Assert.True(rule.MatchesField("CommandLine", "echo 'hi'"));
    }
}
