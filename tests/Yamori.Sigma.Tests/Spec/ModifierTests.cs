using System.Text;
using Yamori.Sigma.Events;

namespace Yamori.Sigma.Tests.Spec;

/// <summary>
/// The generic, string and regex modifiers of sigma-appendix-modifiers.md. Expected results come from the
/// appendix text quoted next to each test, never from the engine's output. Encoding, numeric, time, IP,
/// expand and fieldref modifiers and modifier chains are in <see cref="ModifierEncodingTests"/> and
/// <see cref="ModifierChainTests"/>.
/// </summary>
public sealed class ModifierTests
{
    // "contains: Puts * wildcards around the values, such that the value is matched anywhere in the field."
    [Theory]
    [InlineData("whoami", true)]
    [InlineData("cmd.exe /c whoami /all", true)]
    [InlineData("cmd.exe /c WHOAMI /all", true)] // "Default Sigma behavior is case-insensitive matching."
    [InlineData("who ami", false)]
    public void Contains_matches_anywhere(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|contains: 'whoami'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("CommandLine", value));
    }

    // "startswith: The value is expected at the beginning of the field's content."
    [Theory]
    [InlineData(@"C:\Windows\System32\cmd.exe", true)]
    [InlineData(@"c:\windows\cmd.exe", true)]
    [InlineData(@"D:\C:\Windows\cmd.exe", false)]
    public void Startswith_matches_the_beginning(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                Image|startswith: 'C:\Windows\'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("Image", value));
    }

    // "endswith: The value is expected at the end of the field's content (replaces e.g. '*\\cmd.exe')"
    [Theory]
    [InlineData(@"C:\Windows\System32\cmd.exe", true)]
    [InlineData(@"C:\WINDOWS\SYSTEM32\CMD.EXE", true)]
    [InlineData(@"C:\Windows\System32\cmd.exe.bak", false)]
    [InlineData(@"C:\Windows\System32\xcmd.exe", false)]
    public void Endswith_matches_the_end(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                Image|endswith: '\cmd.exe'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("Image", value));
    }

    // "all: Normally, lists of values are linked with OR in the generated query. This modifier changes this to AND."
    [Theory]
    [InlineData("powershell -enc AAAA -w hidden", true)]
    [InlineData("powershell -w hidden -enc AAAA", true)] // "the order may vary"
    [InlineData("powershell -enc AAAA", false)]
    [InlineData("powershell -w hidden", false)]
    public void All_links_the_value_list_with_and(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|contains|all:
                    - '-enc'
                    - 'hidden'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("CommandLine", value));
    }

    // Without 'all' the same list is an OR: "lists of values are linked with OR".
    [Fact]
    public void Without_all_the_value_list_is_an_or()
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|contains:
                    - '-enc'
                    - 'hidden'
            condition: selection
            """);
        Assert.True(rule.MatchesField("CommandLine", "powershell -enc AAAA"));
        Assert.True(rule.MatchesField("CommandLine", "powershell -w hidden"));
        Assert.False(rule.MatchesField("CommandLine", "powershell -nop"));
    }

    // Keywords search: "To have a and operator, we use the '|all': modifier ... Give: "OabVirtualDirectory" and " -ExternalUrl "".
    [Theory]
    [InlineData("Set-OabVirtualDirectory -Identity x -ExternalUrl http://evil", true)]
    [InlineData("Set-OabVirtualDirectory -Identity x", false)]
    [InlineData("Set-Something -ExternalUrl http://evil", false)]
    public void Keyword_all_requires_every_keyword(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            keywords_cmdlet:
                '|all':
                    - 'OabVirtualDirectory'
                    - ' -ExternalUrl '
            condition: keywords_cmdlet
            """);
        Assert.Equal(expected, rule.MatchesField("Payload", value));
    }

    // Keywords "are applied to the full log message": the two keywords may sit in different fields.
    [Fact]
    public void Keyword_all_may_find_keywords_in_different_fields()
    {
        var rule = SpecRule.Compile("""
            keywords_cmdlet:
                '|all':
                    - 'OabVirtualDirectory'
                    - ' -ExternalUrl '
            condition: keywords_cmdlet
            """);
        Assert.True(rule.Matches(("Cmdlet", "Set-OabVirtualDirectory"), ("Parameters", "-Identity x -ExternalUrl http://evil")));
    }

    // "exists: Defines that a certain field has to exist or must not exist in a log event by providing a boolean
    // value. Note that this check only verifies the presence of a field, not its value, be it empty or null."
    [Fact]
    public void Exists_true_checks_presence_only()
    {
        var rule = SpecRule.Compile("""
            selection:
                PasswordLastSet|exists: true
            condition: selection
            """);
        Assert.True(rule.MatchesField("PasswordLastSet", "2024-01-01"));
        Assert.True(rule.MatchesField("PasswordLastSet", string.Empty));
        Assert.True(rule.MatchesField("PasswordLastSet", null));
        Assert.False(rule.MatchesField("Other", "x"));
    }

    [Fact]
    public void Exists_false_requires_absence()
    {
        var rule = SpecRule.Compile("""
            selection:
                EventID: 4738
                PasswordLastSet|exists: false
            condition: selection
            """);
        Assert.True(rule.Matches(("EventID", "4738")));
        Assert.False(rule.Matches(("EventID", "4738"), ("PasswordLastSet", "2024-01-01")));
        Assert.False(rule.Matches(("EventID", "4738"), ("PasswordLastSet", string.Empty)));
        Assert.False(rule.Matches(("EventID", "4738"), ("PasswordLastSet", null)));
    }

    // "cased: Values are applied case sensitively. Default Sigma behavior is case-insensitive matching."
    [Theory]
    [InlineData("CMD.exe", true)]
    [InlineData("cmd.exe", false)]
    [InlineData("CMD.EXE", false)]
    public void Cased_compares_case_sensitively(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                OriginalFileName|cased: 'CMD.exe'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("OriginalFileName", value));
    }

    [Theory]
    [InlineData("powershell -EncodedCommand AAAA", true)]
    [InlineData("powershell -encodedcommand AAAA", false)]
    public void Contains_cased_is_a_case_sensitive_substring(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|contains|cased: 'EncodedCommand'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("CommandLine", value));
    }

    // "neq: The field is different from the specified values." Comparison stays case-insensitive ("All values
    // are treated as case-insensitive strings"), so 'system' is not different from 'SYSTEM'.
    [Theory]
    [InlineData("admin", true)]
    [InlineData("SYSTEM", false)]
    [InlineData("system", false)]
    public void Neq_single_value(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                User|neq: 'SYSTEM'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("User", value));
    }

    // "different from the specified values": different from every one of them.
    [Theory]
    [InlineData("bob", true)]
    [InlineData("SYSTEM", false)]
    [InlineData("LOCAL SERVICE", false)]
    public void Neq_value_list_means_different_from_all(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                User|neq:
                    - 'SYSTEM'
                    - 'LOCAL SERVICE'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("User", value));
    }

    // Numeric modifiers: "neq: Field is not equal than the value".
    [Fact]
    public void Neq_number()
    {
        var rule = SpecRule.Compile("""
            selection:
                EventID|neq: 4688
            condition: selection
            """);
        Assert.True(rule.MatchesField("EventID", "4689"));
        Assert.False(rule.MatchesField("EventID", "4688"));
        Assert.False(rule.Matches(SpecRule.Event("EventID", new FieldValue(FieldKind.Number, "4688"))));
    }

    // "windash: Creates all possible permutations of the -, /, – (en dash), — (em dash), and ― (horizontal bar)
    // characters."
    [Theory]
    [InlineData("powershell -ep bypass")]
    [InlineData("powershell /ep bypass")]
    [InlineData("powershell \u2013ep bypass")]
    [InlineData("powershell \u2014ep bypass")]
    [InlineData("powershell \u2015ep bypass")]
    public void Windash_accepts_every_dash_character(string value)
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|windash|contains: ' -ep bypass'
            condition: selection
            """);
        Assert.True(rule.MatchesField("CommandLine", value));
        Assert.False(rule.MatchesField("CommandLine", "powershell +ep bypass"));
        Assert.False(rule.MatchesField("CommandLine", "powershell ep bypass"));
    }

    // "uses all possible permutation of strings": two flags give 5 x 5 combinations, all of which must match.
    [Fact]
    public void Windash_permutes_every_flag_independently()
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|windash|contains: ' -a -b'
            condition: selection
            """);
        char[] dashes = ['-', '/', '\u2013', '\u2014', '\u2015'];
        foreach (char first in dashes)
        {
            foreach (char second in dashes)
            {
                string value = $"tool {first}a {second}b";
                Assert.True(rule.MatchesField("CommandLine", value), value);
            }
        }
    }

    // The permutation is applied where a flag starts (pySigma's \B[-/]\b: a dash or slash not preceded by a word
    // character and followed by one); a hyphen inside a word ("a-b") or a dash followed by a space stays as written.
    [Theory]
    [InlineData("x a-b /c -", true)]
    [InlineData("x a-b \u2014c -", true)]
    [InlineData("x a/b -c -", false)] // the hyphen inside "a-b" is not a flag
    [InlineData("x a\u2013b -c -", false)]
    [InlineData("x a-b -c /", false)] // the trailing dash has no word character after it
    public void Windash_only_replaces_dashes_that_start_a_flag(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|windash: 'x a-b -c -'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("CommandLine", value));
    }

    [Theory]
    [InlineData("-c", true)]
    [InlineData("/c", true)]
    [InlineData("\u2015c", true)]
    [InlineData("+c", false)]
    public void Windash_replaces_a_flag_at_the_start_of_the_value(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                Arg|windash: '-c'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("Arg", value));
    }

    // "re: ... Regex is matched case-sensitive by default." / General: "Regular expressions are case-sensitive by default."
    [Theory]
    [InlineData("cmd.exe /c whoami", true)]
    [InlineData("CMD.EXE /c whoami", false)]
    public void Re_is_case_sensitive_by_default(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|re: 'cmd\.exe'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("CommandLine", value));
    }

    // "i: (insensitive) to enable case-insensitive matching."
    [Fact]
    public void Re_i_is_case_insensitive()
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|re|i: 'cmd\.exe'
            condition: selection
            """);
        Assert.True(rule.MatchesField("CommandLine", "CMD.EXE /c whoami"));
        Assert.False(rule.MatchesField("CommandLine", "cmdxexe"));
    }

    // "m: (multi line) to match across multiple lines. ^ /$ match the start/end of line."
    [Fact]
    public void Re_m_anchors_match_at_line_boundaries()
    {
        var plain = SpecRule.Compile("""
            selection:
                ScriptBlockText|re: '^second$'
            condition: selection
            """);
        var multi = SpecRule.Compile("""
            selection:
                ScriptBlockText|re|m: '^second$'
            condition: selection
            """);
        const string text = "first\nsecond\nthird";
        Assert.False(plain.MatchesField("ScriptBlockText", text));
        Assert.True(multi.MatchesField("ScriptBlockText", text));
        Assert.True(plain.MatchesField("ScriptBlockText", "second"));
    }

    // "s: (single line) to enable that dot (.) matches all characters, including the newline character."
    [Fact]
    public void Re_s_lets_dot_match_newline()
    {
        var plain = SpecRule.Compile("""
            selection:
                ScriptBlockText|re: 'first.second'
            condition: selection
            """);
        var dotAll = SpecRule.Compile("""
            selection:
                ScriptBlockText|re|s: 'first.second'
            condition: selection
            """);
        Assert.False(plain.MatchesField("ScriptBlockText", "first\nsecond"));
        Assert.True(dotAll.MatchesField("ScriptBlockText", "first\nsecond"));
        Assert.True(plain.MatchesField("ScriptBlockText", "first second"));
    }

    [Fact]
    public void Re_flags_combine()
    {
        var rule = SpecRule.Compile("""
            selection:
                ScriptBlockText|re|i|m|s: '^INVOKE.EXPRESSION$'
            condition: selection
            """);
        Assert.True(rule.MatchesField("ScriptBlockText", "x\ninvoke\nexpression\ny"));
    }

    // The spec's PCRE subset: ".", "^", "$", "*", "+", "?", "{n,m}", "[a-z]", "[^a-z]", "|", "()".
    [Theory]
    [InlineData("abc123", true)]
    [InlineData("xyz42", true)]
    [InlineData("abc1", false)]
    [InlineData("ABC123", false)]
    public void Re_supports_the_specified_metacharacters(string value, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                Name|re: '^(abc|xyz)[0-9]{2,3}[^a-z]*$'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("Name", value));
    }
}
