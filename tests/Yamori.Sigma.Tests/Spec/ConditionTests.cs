using Yamori.Sigma.Events;
using Yamori.Sigma.Parsing;

namespace Yamori.Sigma.Tests.Spec;

/// <summary>
/// The condition of sigma-rules-specification.md: operators, "Operator Precedence (least to most binding): or,
/// and, not, x of search-identifier, ( expression )", 1/all of patterns and them, condition lists, and the
/// implicit OR/AND of lists and maps.
/// </summary>
public sealed class ConditionTests
{
    /// <summary>Three selections a, b, c, each true when its field A, B or C is "1".</summary>
    private static SpecRule Abc(string condition) => SpecRule.Compile($"""
        a:
            A: '1'
        b:
            B: '1'
        c:
            C: '1'
        condition: {condition}
        """);

    private static FlatEvent Event(bool a, bool b, bool c) => SpecRule.Event(("A", a ? "1" : "0"), ("B", b ? "1" : "0"), ("C", c ? "1" : "0"));

    public static TheoryData<bool, bool, bool> AllCombinations()
    {
        var data = new TheoryData<bool, bool, bool>();
        foreach (bool a in new[] { false, true })
        {
            foreach (bool b in new[] { false, true })
            {
                foreach (bool c in new[] { false, true })
                {
                    data.Add(a, b, c);
                }
            }
        }

        return data;
    }

    // "and" binds tighter than "or": a or b and c == a or (b and c).
    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void And_binds_tighter_than_or(bool a, bool b, bool c)
    {
        Assert.Equal(a || (b && c), Abc("a or b and c").Matches(Event(a, b, c)));
        Assert.Equal((a && b) || c, Abc("a and b or c").Matches(Event(a, b, c)));
    }

    // "not" binds tighter than "and": not a and b == (not a) and b.
    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void Not_binds_tighter_than_and(bool a, bool b, bool c)
    {
        Assert.Equal(!a && b, Abc("not a and b").Matches(Event(a, b, c)));
        Assert.Equal(!a || (b && !c), Abc("not a or b and not c").Matches(Event(a, b, c)));
    }

    // "Brackets: selection1 and (keywords1 or keywords2)" — brackets bind most.
    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void Brackets_override_precedence(bool a, bool b, bool c)
    {
        Assert.Equal((a || b) && c, Abc("(a or b) and c").Matches(Event(a, b, c)));
        Assert.Equal(!(a && b), Abc("not (a and b)").Matches(Event(a, b, c)));
        Assert.Equal(a && !(b || !c), Abc("a and not (b or not c)").Matches(Event(a, b, c)));
        Assert.Equal(a || (b && c), Abc("((a) or ((b) and (c)))").Matches(Event(a, b, c)));
    }

    /// <summary>sel1 (A), sel2 (B), other (C) and, when asked, _hidden (D).</summary>
    private static SpecRule Patterns(string condition, bool withUnderscore = false) => SpecRule.Compile($"""
        sel1:
            A: '1'
        sel2:
            B: '1'
        other:
            C: '1'
        {(withUnderscore ? "_hidden:\n    D: '1'" : "keep:\n    E: 'never'")}
        condition: {condition}
        """);

    private static FlatEvent Event(bool a, bool b, bool c, bool d) =>
        SpecRule.Event(("A", a ? "1" : "0"), ("B", b ? "1" : "0"), ("C", c ? "1" : "0"), ("D", d ? "1" : "0"));

    // "1/all of search-identifier-pattern ... restricted to matching search identifiers. Matching is done with *
    // wildcards (any number of characters) at arbitrary positions in the pattern."
    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void One_of_and_all_of_a_pattern(bool a, bool b, bool c)
    {
        FlatEvent e = Event(a, b, c, false);
        Assert.Equal(a || b, Patterns("1 of sel*").Matches(e));
        Assert.Equal(a && b, Patterns("all of sel*").Matches(e));
        Assert.Equal(a || b, Patterns("1 of *el*").Matches(e));
        Assert.Equal(b, Patterns("all of s*2").Matches(e));
    }

    // Precedence: "x of" binds tighter than and/not. Spec examples "1 of selection* and keywords",
    // "1 of selection* and not 1 of filter*".
    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void Of_binds_tighter_than_and_and_not(bool a, bool b, bool c)
    {
        FlatEvent e = Event(a, b, c, false);
        Assert.Equal((a || b) && c, Patterns("1 of sel* and other").Matches(e));
        Assert.Equal(!(a || b), Patterns("not 1 of sel*").Matches(e));
        Assert.Equal(c && !(a && b), Patterns("other and not all of sel*").Matches(e));
    }

    // "1 of them: Logical OR (1 of them) or AND (all of them) across all defined search identifiers not starting
    // with an underscore _." ... "A search identifier _example wouldn't be included".
    [Theory]
    [InlineData(false, false, false, true, false, false)] // only _hidden matches: not enough for 1 of them
    [InlineData(true, false, false, false, true, false)]
    [InlineData(false, false, true, false, true, false)]
    [InlineData(true, true, true, false, true, true)] // all but _hidden: all of them holds
    [InlineData(true, true, true, true, true, true)]
    [InlineData(true, true, false, true, true, false)]
    public void Them_excludes_underscore_identifiers(bool a, bool b, bool c, bool d, bool oneOfThem, bool allOfThem)
    {
        FlatEvent e = Event(a, b, c, d);
        Assert.Equal(oneOfThem, Patterns("1 of them", withUnderscore: true).Matches(e));
        Assert.Equal(allOfThem, Patterns("all of them", withUnderscore: true).Matches(e));
    }

    // An underscore identifier is still usable by name.
    [Fact]
    public void Underscore_identifier_can_be_named_explicitly()
    {
        var rule = Patterns("sel1 and not _hidden", withUnderscore: true);
        Assert.True(rule.Matches(Event(true, false, false, false)));
        Assert.False(rule.Matches(Event(true, false, false, true)));
    }

    // "The condition can be a list, in this case, each of them generates a query. They are logically linked with OR."
    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void Condition_list_is_an_or(bool a, bool b, bool c)
    {
        var rule = SpecRule.Compile("""
            a:
                A: '1'
            b:
                B: '1'
            c:
                C: '1'
            condition:
                - a and b
                - c
            """);
        Assert.Equal((a && b) || c, rule.Matches(Event(a, b, c)));
    }

    // "Lists can contain: strings that are applied to the full log message and are linked with a logical 'OR'."
    // Spec example: "Matches on 'EvilService' or 'svchost.exe -n evil'".
    [Theory]
    [InlineData("Service EVILSERVICE started", true)]
    [InlineData("C:\\Windows\\svchost.exe -n evil", true)]
    [InlineData("svchost.exe -k netsvcs", false)]
    public void Keyword_list_is_an_or(string message, bool expected)
    {
        var rule = SpecRule.Compile("""
            keywords:
                - 'EVILSERVICE'
                - 'svchost.exe -n evil'
            condition: keywords
            """);
        Assert.Equal(expected, rule.Matches(("Message", message)));
        Assert.Equal(expected, rule.Matches(("Other", "x"), ("Payload", message)));
    }

    // Spec example: "matches an image value ending with example.exe or an executable with a description containing
    // the string Test executable" — "All map items of a list are logically linked with 'OR'."
    [Theory]
    [InlineData("C:\\x\\example.exe", "nothing", true)]
    [InlineData("C:\\x\\other.exe", "A Test executable here", true)]
    [InlineData("C:\\x\\other.exe", "nothing", false)]
    public void List_of_maps_is_an_or(string image, string description, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                - Image|endswith: '\\example.exe'
                - Description|contains: 'Test executable'
            condition: selection
            """);
        Assert.Equal(expected, rule.Matches(("Image", image), ("Description", description)));
    }

    // "All elements of a map are joined with a logical 'AND'."
    [Fact]
    public void Map_is_an_and()
    {
        var rule = SpecRule.Compile("""
            selection:
                Image|endswith: '\cmd.exe'
                CommandLine|contains: '/c'
                User: 'bob'
            condition: selection
            """);
        Assert.True(rule.Matches(("Image", "C:\\cmd.exe"), ("CommandLine", "cmd /c dir"), ("User", "bob")));
        Assert.False(rule.Matches(("Image", "C:\\cmd.exe"), ("CommandLine", "cmd /c dir"), ("User", "eve")));
        Assert.False(rule.Matches(("Image", "C:\\cmd.exe"), ("CommandLine", "cmd /c dir")));
    }

    // A condition naming an identifier the detection does not define cannot be evaluated.
    [Fact]
    public void Unknown_identifier_is_a_condition_error()
    {
        RuleError error = SpecRule.Reject("""
            selection:
                A: '1'
            condition: selection and filter
            """);
        Assert.Equal("condition", error.ReasonCode);
        Assert.Equal(SpecRule.FirstDetectionLine + 2, error.Line);
        Assert.Contains("filter", error.Message, StringComparison.Ordinal);
    }

    // "x of pattern" is "restricted to matching search identifiers": a pattern matching none is an error, not
    // an empty (always true / always false) group.
    [Theory]
    [InlineData("1 of filter*")]
    [InlineData("all of filter*")]
    public void Of_pattern_matching_nothing_is_a_condition_error(string condition)
    {
        RuleError error = SpecRule.Reject($"""
            selection:
                A: '1'
            condition: {condition}
            """);
        Assert.Equal("condition", error.ReasonCode);
        Assert.Equal(SpecRule.FirstDetectionLine + 2, error.Line);
    }

    [Fact]
    public void Them_with_only_underscore_identifiers_is_a_condition_error()
    {
        RuleError error = SpecRule.Reject("""
            _a:
                A: '1'
            condition: 1 of them
            """);
        Assert.Equal("condition", error.ReasonCode);
    }

    [Theory]
    [InlineData("selection and")]
    [InlineData("(selection")]
    [InlineData("selection)")]
    [InlineData("selection selection")]
    [InlineData("not")]
    [InlineData("2 of sel*")]
    [InlineData("")]
    public void Malformed_conditions_are_condition_errors(string condition)
    {
        RuleError error = SpecRule.Reject($"""
            selection:
                A: '1'
            condition: '{condition}'
            """);
        Assert.Equal("condition", error.ReasonCode);
        Assert.Equal(SpecRule.FirstDetectionLine + 2, error.Line);
    }
}
