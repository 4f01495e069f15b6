using System.Text.RegularExpressions;
using Yamori.Sigma.Matching;

namespace Yamori.Sigma.Tests.Matching;

/// <summary>The regex literal extractor must only name text that every match really contains.</summary>
public sealed class RegexLiteralsTests
{
    [Theory]
    [InlineData(@"ipconfig\s+/all", new[] { "ipconfig" })]
    [InlineData(@"ping\s+-n.{6,64}echo EEEE\s?>\s?", new[] { "echo EEEE" })]
    [InlineData(@"ipconfig\s+/all|netsh\s+interface show interface", new[] { "ipconfig", "interface show interface" })]
    [InlineData(@"(?i)\$\{`?e`?n", new[] { "${" })]
    [InlineData(@"ab{2}cd", new[] { "ab" })] // b is required at least twice: "ab" is in every match
    [InlineData(@"colou?r\.exe", new[] { "r.exe" })]
    [InlineData(@"abc+def", new[] { "abc" })]
    [InlineData(@"[a-z-[aeiou]]xyz", new[] { "xyz" })]
    [InlineData(@"[[:alpha:]]+\.exe", new[] { ".exe" })]
    public void Names_text_every_match_contains(string pattern, string[] expected)
    {
        Assert.Equal(expected, RegexLiterals.Required(pattern));
    }

    [Theory]
    [InlineData(@"\s[a-fA-F0-9]{64}\s[a-fA-F0-9]{16}")] // no literal at all
    [InlineData(@"a|\d+")] // one branch without a literal
    [InlineData(@"(abc)+")] // literal only inside a group: groups are skipped
    [InlineData(@"(?x) a b c")] // whitespace is not literal under (?x)
    [InlineData(@"x")] // too short to filter anything
    [InlineData(@"[a-z-[aeiou]]")] // class subtraction: the inner ']' is not a literal
    [InlineData(@"[[]ab")] // a class that never closes: give up rather than guess
    public void Names_nothing_when_unsure(string pattern)
    {
        Assert.Null(RegexLiterals.Required(pattern));
    }

    [Theory]
    [InlineData(@"ipconfig\s+/all", "IPCONFIG   /ALL")]
    [InlineData(@"ab{2}cd", "abbcd")]
    [InlineData(@"colou?r\.exe", "color.exe")]
    [InlineData(@"abc+def", "abcccdef")]
    [InlineData(@"(?i)\$\{`?e`?n", "${e`n")]
    public void Every_literal_occurs_in_a_real_match(string pattern, string sample)
    {
        Assert.Matches(new Regex(pattern, RegexOptions.IgnoreCase), sample);
        IReadOnlyList<string> literals = RegexLiterals.Required(pattern)!;
        Assert.Contains(literals, l => sample.Contains(l, StringComparison.OrdinalIgnoreCase));
    }
}
