using System.Text;
using Yamori.Cloud.Identity;

namespace Yamori.Cloud.Tests.Identity;

public sealed class TotpTests
{
    private static readonly byte[] Sha1Key = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Key = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Key = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    // RFC 6238 Appendix B (8 digits; each algorithm with its own seed length).
    [Theory]
    [InlineData(59L, "94287082", "46119246", "90693936")]
    [InlineData(1111111109L, "07081804", "68084774", "25091201")]
    [InlineData(1111111111L, "14050471", "67062674", "99943326")]
    [InlineData(1234567890L, "89005924", "91819424", "93441116")]
    [InlineData(2000000000L, "69279037", "90698825", "38618901")]
    [InlineData(20000000000L, "65353130", "77737706", "47863826")]
    public void Rfc6238_test_vectors(long unixSeconds, string sha1, string sha256, string sha512)
    {
        long step = Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
        Assert.Equal(sha1, Totp.Code(Sha1Key, step, 8, TotpAlgorithm.Sha1));
        Assert.Equal(sha256, Totp.Code(Sha256Key, step, 8, TotpAlgorithm.Sha256));
        Assert.Equal(sha512, Totp.Code(Sha512Key, step, 8, TotpAlgorithm.Sha512));
    }

    [Fact]
    public void Six_digit_codes_are_the_last_six_of_the_truncation()
    {
        long step = Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(59));
        Assert.Equal("287082", Totp.Code(Sha1Key, step));
    }

    [Fact]
    public void Codes_match_within_one_step_either_side_and_no_further()
    {
        DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        long current = Totp.StepAt(now);
        Assert.Equal(current, Totp.Match(Sha1Key, Totp.Code(Sha1Key, current), now));
        Assert.Equal(current - 1, Totp.Match(Sha1Key, Totp.Code(Sha1Key, current - 1), now));
        Assert.Equal(current + 1, Totp.Match(Sha1Key, Totp.Code(Sha1Key, current + 1), now));
        Assert.Null(Totp.Match(Sha1Key, Totp.Code(Sha1Key, current - 2), now));
        Assert.Null(Totp.Match(Sha1Key, Totp.Code(Sha1Key, current + 2), now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("１２３４５６")] // full-width digits are not ASCII digits
    public void Malformed_codes_never_match(string? code) =>
        Assert.Null(Totp.Match(Sha1Key, code, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));

    [Fact]
    public void The_provisioning_uri_names_issuer_login_and_unpadded_secret()
    {
        string uri = Totp.ProvisioningUri("Yamori", "soc.admin", Encoding.ASCII.GetBytes("foobar"));
        Assert.Equal("otpauth://totp/Yamori:soc.admin?secret=MZXW6YTBOI&issuer=Yamori", uri);
    }

    // RFC 4648 section 10.
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "MY======")]
    [InlineData("fo", "MZXQ====")]
    [InlineData("foo", "MZXW6===")]
    [InlineData("foob", "MZXW6YQ=")]
    [InlineData("fooba", "MZXW6YTB")]
    [InlineData("foobar", "MZXW6YTBOI======")]
    public void Rfc4648_base32_test_vectors(string plain, string encoded)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(plain);
        Assert.Equal(encoded, Base32.Encode(bytes));
        Assert.Equal(encoded.TrimEnd('='), Base32.Encode(bytes, padding: false));
        Assert.Equal(bytes, Base32.TryDecode(encoded));
        Assert.Equal(bytes, Base32.TryDecode(encoded.TrimEnd('=').ToLowerInvariant()));
    }

    [Theory]
    [InlineData("MZXW6YT1")] // 1 is not in the alphabet
    [InlineData("MZXW6YT!")]
    [InlineData("M")] // no whole byte ends after one character
    public void Invalid_base32_is_refused(string text) => Assert.Null(Base32.TryDecode(text));

    [Fact]
    public void Base32_decoding_ignores_the_spaces_apps_show()
    {
        byte[] secret = Totp.NewSecret();
        string spaced = string.Join(' ', Base32.Encode(secret, padding: false).Chunk(4).Select(c => new string(c)));
        Assert.Equal(secret, Base32.TryDecode(spaced));
        Assert.Equal(20, secret.Length);
    }
}
