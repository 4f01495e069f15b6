using System.Text;
using Yamori.Sigma.Events;

namespace Yamori.Sigma.Tests.Spec;

/// <summary>
/// Encoding, numeric, time and IP modifiers of sigma-appendix-modifiers.md. Every encoded event value is
/// produced here with the framework's own encoders, so the expectations do not depend on the engine.
/// </summary>
public sealed class ModifierEncodingTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string B64Wide(string text) => Convert.ToBase64String(Encoding.Unicode.GetBytes(text));

    // "base64: The value is encoded with Base64."
    [Fact]
    public void Base64_matches_the_encoded_value()
    {
        var rule = SpecRule.Compile("""
            selection:
                Payload|base64: 'http://'
            condition: selection
            """);
        Assert.True(rule.MatchesField("Payload", B64("http://")));
        Assert.False(rule.MatchesField("Payload", "http://"));
        Assert.False(rule.MatchesField("Payload", B64("https://")));
    }

    [Fact]
    public void Base64_then_contains_finds_the_encoded_value_inside_a_field()
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|base64|contains: 'cmd'
            condition: selection
            """);
        Assert.True(rule.MatchesField("CommandLine", "echo " + B64("cmd") + " | base64 -d"));
        Assert.False(rule.MatchesField("CommandLine", "echo cmd"));
    }

    // "base64offset: If a value might appear somewhere in a base64-encoded string the representation might change
    // depending on the position of the value in the overall string. There are three variants for shifts by zero
    // to two bytes". The classic: 'http://' inside base64 of 'http://…', 'xhttp://…', 'xxhttp://…' — and, since
    // only the position modulo 3 matters, at any longer offset too.
    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("xx")]
    [InlineData("xxx")]
    [InlineData("ab\u00e7d")]
    [InlineData("curl -s ")]
    public void Base64offset_contains_finds_the_value_at_every_offset(string prefix)
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|base64offset|contains: 'http://'
            condition: selection
            """);
        Assert.True(rule.MatchesField("CommandLine", "powershell -e " + B64(prefix + "http://evil.example/payload")));
        Assert.True(rule.MatchesField("CommandLine", B64(prefix + "http://")));
        Assert.False(rule.MatchesField("CommandLine", "powershell -e " + B64(prefix + "ftp://evil.example/payload")));
    }

    // "wide: an alias for the utf16le modifier" + base64offset: PowerShell's -EncodedCommand is base64 of UTF-16LE.
    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("ab")]
    [InlineData("abc")]
    [InlineData("cmd /c ")]
    [InlineData("Write-Host x; ")]
    public void Wide_base64offset_contains_finds_powershell_encoded_commands(string prefix)
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|wide|base64offset|contains: 'ping'
            condition: selection
            """);
        Assert.True(rule.MatchesField("CommandLine", "powershell.exe -EncodedCommand " + B64Wide(prefix + "ping 127.0.0.1")));
        Assert.False(rule.MatchesField("CommandLine", "powershell.exe -EncodedCommand " + B64Wide(prefix + "pong 127.0.0.1")));
        // Base64 of UTF-8 text is a different encoding: the UTF-16LE pattern must not match it.
        Assert.False(rule.MatchesField("CommandLine", "powershell.exe -EncodedCommand " + B64(prefix + "ping 127.0.0.1")));
    }

    [Fact]
    public void Utf16le_base64offset_is_the_same_as_wide()
    {
        var rule = SpecRule.Compile("""
            selection:
                CommandLine|utf16le|base64offset|contains: 'Invoke-Mimikatz'
            condition: selection
            """);
        for (int shift = 0; shift < 3; shift++)
        {
            Assert.True(rule.MatchesField("CommandLine", B64Wide(new string(' ', shift) + "IEX; Invoke-Mimikatz -DumpCreds")), $"shift {shift}");
        }
    }

    // "utf16le: Transforms value to UTF16-LE encoding, e.g. cmd > 63 00 6d 00 64 00"
    // "utf16be: Transforms value to UTF16-BE encoding, e.g. cmd > 00 63 00 6d 00 64"
    // "utf16: Prepends a byte order mark and encodes UTF16, e.g. cmd > FF FE 63 00 6d 00 64 00"
    // "wide: an alias for the utf16le modifier."
    [Theory]
    [InlineData("utf16le", new byte[] { 0x63, 0x00, 0x6d, 0x00, 0x64, 0x00 })]
    [InlineData("utf16be", new byte[] { 0x00, 0x63, 0x00, 0x6d, 0x00, 0x64 })]
    [InlineData("utf16", new byte[] { 0xFF, 0xFE, 0x63, 0x00, 0x6d, 0x00, 0x64, 0x00 })]
    [InlineData("wide", new byte[] { 0x63, 0x00, 0x6d, 0x00, 0x64, 0x00 })]
    public void Utf16_modifiers_encode_as_the_spec_example(string modifier, byte[] specBytes)
    {
        var rule = SpecRule.Compile($"""
            selection:
                Data|{modifier}|base64: 'cmd'
            condition: selection
            """);
        Assert.True(rule.MatchesField("Data", Convert.ToBase64String(specBytes)));
        Assert.False(rule.MatchesField("Data", B64("cmd")));
    }

    // Numeric modifiers: "lt: Field is less than the value", "lte: ... less or equal", "gt: ... greater",
    // "gte: ... greater or equal". Event values are compared as numbers whether they arrive as text or as numbers;
    // 0x… is the hexadecimal form Windows logs use for numbers.
    [Theory]
    [InlineData("lt", "4", true)]
    [InlineData("lt", "5", false)]
    [InlineData("lt", "-1", true)]
    [InlineData("lte", "5", true)]
    [InlineData("lte", "6", false)]
    [InlineData("gt", "6", true)]
    [InlineData("gt", "5", false)]
    [InlineData("gt", "10", true)] // numeric, not lexicographic ("10" < "5" as text)
    [InlineData("gt", "0x10", true)]
    [InlineData("gt", "0x5", false)]
    [InlineData("gte", "5", true)]
    [InlineData("gte", "5.0", true)]
    [InlineData("gte", "4.99", false)]
    [InlineData("gte", "abc", false)]
    [InlineData("gte", "", false)]
    public void Numeric_comparisons(string modifier, string eventValue, bool expected)
    {
        var rule = SpecRule.Compile($"""
            selection:
                Count|{modifier}: 5
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("Count", eventValue));
        Assert.Equal(expected, rule.Matches(SpecRule.Event("Count", new FieldValue(FieldKind.Number, eventValue))));
    }

    [Fact]
    public void Numeric_comparison_with_a_fractional_rule_value()
    {
        var rule = SpecRule.Compile("""
            selection:
                Ratio|lt: 0.5
            condition: selection
            """);
        Assert.True(rule.MatchesField("Ratio", "0.25"));
        Assert.False(rule.MatchesField("Ratio", "0.5"));
    }

    // Time modifiers: "it extracts a numeric value from a date." minute 0-59, hour 0-23, day 1-31, week, month
    // 1-12, year. 2024-03-05 is a Tuesday in week 10 (2024-01-01 was a Monday, so weeks start on Mondays from it).
    [Theory]
    [InlineData("minute", 22, true)]
    [InlineData("minute", 23, false)]
    [InlineData("hour", 14, true)]
    [InlineData("hour", 2, false)]
    [InlineData("day", 5, true)]
    [InlineData("day", 3, false)]
    [InlineData("week", 10, true)]
    [InlineData("week", 9, false)]
    [InlineData("month", 3, true)]
    [InlineData("month", 5, false)]
    [InlineData("year", 2024, true)]
    [InlineData("year", 2023, false)]
    public void Time_modifiers_extract_a_part_of_an_iso_timestamp(string modifier, int ruleValue, bool expected)
    {
        var rule = SpecRule.Compile($"""
            selection:
                UtcTime|{modifier}: {ruleValue}
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("UtcTime", "2024-03-05T14:22:10Z"));
        Assert.Equal(expected, rule.MatchesField("UtcTime", "2024-03-05T14:22:10.1234567Z"));
        Assert.Equal(expected, rule.MatchesField("UtcTime", "2024-03-05 14:22:10.123")); // Sysmon's UtcTime layout
        Assert.False(rule.MatchesField("UtcTime", "not a date"));
    }

    // "Warning: It is not designed to handle timezone or format conversions." The part is read as written:
    // 14:22 at +02:00 is hour 14, not the 12 it would be after converting to UTC.
    [Fact]
    public void Time_modifiers_do_not_convert_time_zones()
    {
        var rule = SpecRule.Compile("""
            selection:
                UtcTime|hour: 14
            condition: selection
            """);
        Assert.True(rule.MatchesField("UtcTime", "2024-03-05T14:22:10+02:00"));
    }

    // "cidr: The value is handled as a CIDR network range specification by backends. Supports both IPv4 and IPv6
    // notations. Example: DestinationIp|cidr: 10.0.0.0/8"
    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("10.255.255.255", true)]
    [InlineData("11.0.0.1", false)]
    [InlineData("9.255.255.255", false)]
    [InlineData("::ffff:10.1.2.3", true)] // an IPv4-mapped IPv6 address is the same IPv4 host
    [InlineData("::ffff:11.1.2.3", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("not an ip", false)]
    public void Cidr_ipv4(string ip, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                DestinationIp|cidr: 10.0.0.0/8
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("DestinationIp", ip));
    }

    [Theory]
    [InlineData("2001:db8::1", true)]
    [InlineData("2001:0db8:ffff:ffff::1", true)]
    [InlineData("2001:db9::1", false)]
    [InlineData("::1", false)]
    [InlineData("10.0.0.1", false)]
    public void Cidr_ipv6(string ip, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                DestinationIp|cidr: '2001:db8::/32'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("DestinationIp", ip));
    }

    // "Generally, value modifiers work on single values and value lists": a list of ranges is an OR.
    [Theory]
    [InlineData("192.168.1.10", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("fe80::1", true)]
    [InlineData("8.8.8.8", false)]
    public void Cidr_list_is_an_or(string ip, bool expected)
    {
        var rule = SpecRule.Compile("""
            selection:
                DestinationIp|cidr:
                    - '192.168.0.0/16'
                    - '172.16.0.0/12'
                    - 'fe80::/10'
            condition: selection
            """);
        Assert.Equal(expected, rule.MatchesField("DestinationIp", ip));
    }
}
