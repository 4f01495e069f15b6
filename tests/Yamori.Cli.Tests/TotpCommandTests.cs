using Yamori.Cli.Commands;

namespace Yamori.Cli.Tests;

public sealed class TotpCommandTests
{
    // RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" (base32 below); the 8-digit codes
    // 94287082 at 59 s and 07081804 at 1111111109 s end in the 6-digit codes authenticator apps show.
    private const string RfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    [Theory]
    [InlineData(59L, "287082", 1L)]
    [InlineData(1111111109L, "081804", 1L)]
    [InlineData(1111111111L, "050471", 29L)]
    public void Prints_the_code_of_the_rfc_test_vectors_and_how_long_it_is_valid(long unixSeconds, string code, long validSeconds)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = TotpCommand.Run(new StringReader(RfcSecret + "\n"), stdout, stderr, new FixedTime(DateTimeOffset.FromUnixTimeSeconds(unixSeconds)));

        Assert.Equal(0, exit);
        Assert.Equal($"{code}   (valid for {validSeconds} s)", stdout.ToString().Trim());
        Assert.Empty(stderr.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base32!")]
    public void A_missing_or_malformed_secret_is_refused_with_a_message(string input)
    {
        var stderr = new StringWriter();
        Assert.Equal(2, TotpCommand.Run(new StringReader(input), new StringWriter(), stderr, TimeProvider.System));
        Assert.Contains("base32 TOTP secret", stderr.ToString(), StringComparison.Ordinal);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
