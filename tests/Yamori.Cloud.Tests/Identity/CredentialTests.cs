using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Yamori.Cloud.Identity;

namespace Yamori.Cloud.Tests.Identity;

public sealed partial class CredentialTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "yamori-identity-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort (or nothing was created)
        }
    }

    [Fact]
    public void Hashes_are_self_describing_argon2id_and_salted()
    {
        var hasher = new PasswordHasher(IdentityFixture.FastHash);
        string a = hasher.Hash("correct-horse-battery");
        string b = hasher.Hash("correct-horse-battery");

        Assert.Matches(PhcPattern(), a);
        Assert.StartsWith("$argon2id$v=19$m=64,t=1,p=1$", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.True(hasher.Verify("correct-horse-battery", a));
        Assert.True(hasher.Verify("correct-horse-battery", b));
        Assert.False(hasher.Verify("correct-horse-batterY", a));
        Assert.False(hasher.NeedsRehash(a));
    }

    [Fact]
    public void An_empty_password_never_verifies()
    {
        var hasher = new PasswordHasher(IdentityFixture.FastHash);
        Assert.False(hasher.Verify("", hasher.Hash("correct-horse-battery")));
        Assert.Throws<ArgumentException>(() => hasher.Hash(""));
    }

    [Fact]
    public void The_defaults_are_owasps()
    {
        var options = new PasswordHashOptions();
        Assert.Equal((19_456, 2, 1), (options.MemoryKiB, options.Iterations, options.Parallelism));
    }

    [Fact]
    public void A_hash_from_the_reference_implementation_verifies()
    {
        // argon2-cffi's documented example (libargon2), so our format and parameters interoperate.
        const string reference = "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg";
        var hasher = new PasswordHasher(IdentityFixture.FastHash);
        Assert.True(hasher.Verify("correct horse battery staple", reference));
        Assert.False(hasher.Verify("Tr0ub4dor&3", reference));
        Assert.True(hasher.NeedsRehash(reference));
    }

    [Fact]
    public void Hashes_made_with_other_parameters_verify_but_need_rehash()
    {
        string old = new PasswordHasher(IdentityFixture.FastHash).Hash("correct-horse-battery");
        var stronger = new PasswordHasher(IdentityFixture.FastHash with { Iterations = 2 });
        Assert.True(stronger.Verify("correct-horse-battery", old));
        Assert.True(stronger.NeedsRehash(old));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plaintext")]
    [InlineData("$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")]
    [InlineData("$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")]
    [InlineData("$argon2id$v=19$m=99999999,t=1,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")]
    [InlineData("$argon2id$v=19$m=64,t=1,p=1$!!!$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")]
    public void Unreadable_hashes_never_verify(string encoded)
    {
        var hasher = new PasswordHasher(IdentityFixture.FastHash);
        Assert.False(hasher.Verify("anything-at-all", encoded));
        Assert.True(hasher.NeedsRehash(encoded));
    }

    [Theory]
    [InlineData("short-pass1")] // 11 characters
    [InlineData("Alice.Admin1")] // the login name, in another case
    public void Weak_passwords_are_refused_naming_the_field(string password)
    {
        var ex = Assert.Throws<ArgumentException>(() => PasswordPolicy.Check(password, "alice.admin1"));
        Assert.Equal("password", ex.ParamName);
        Assert.DoesNotContain(password, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_one_time_passwords_pass_the_policy_and_differ()
    {
        string a = PasswordPolicy.GenerateOneTime();
        PasswordPolicy.Check(a, "someone");
        Assert.NotEqual(a, PasswordPolicy.GenerateOneTime());
    }

    [Theory]
    [InlineData("Alice", "alice")]
    [InlineData("town.admin@131016", "town.admin@131016")]
    [InlineData("a_b-c", "a_b-c")]
    public void Login_names_normalize_to_lower_case(string login, string key) => Assert.Equal(key, LoginName.Normalize(login));

    [Theory]
    [InlineData("ab")]
    [InlineData(".alice")]
    [InlineData("alice smith")]
    [InlineData("アリス")]
    [InlineData("")]
    public void Invalid_login_names_are_refused_naming_the_field(string login)
    {
        var ex = Assert.Throws<ArgumentException>(() => LoginName.Normalize(login));
        Assert.Equal("login", ex.ParamName);
        Assert.Null(LoginName.TryNormalize(login));
    }

    [Fact]
    public void Protected_secrets_round_trip_and_are_bound_to_their_owner()
    {
        using var protector = new SecretProtector(RandomNumberGenerator.GetBytes(32));
        byte[] secret = Totp.NewSecret();
        byte[] sealedSecret = protector.Protect(secret, "user-1"u8);

        Assert.Equal(secret, protector.Unprotect(sealedSecret, "user-1"u8));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedSecret, "user-2"u8));
        sealedSecret[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedSecret, "user-1"u8));
        using var other = new SecretProtector(RandomNumberGenerator.GetBytes(32));
        Assert.ThrowsAny<CryptographicException>(() => other.Unprotect(protector.Protect(secret, "u"u8), "u"u8));
    }

    [Fact]
    public void The_key_file_is_created_owner_only_and_loads_the_same_key()
    {
        string path = Path.Combine(_dir, "keys", "secrets.key");
        byte[] sealedSecret;
        using (SecretProtector first = SecretProtector.LoadOrCreate(path))
        {
            sealedSecret = first.Protect("totp"u8, "u"u8);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using SecretProtector second = SecretProtector.LoadOrCreate(path);
        Assert.Equal("totp"u8.ToArray(), second.Unprotect(sealedSecret, "u"u8));
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("flip")]
    [InlineData("empty")]
    public void A_damaged_key_file_is_refused_and_left_untouched(string damage)
    {
        string path = Path.Combine(_dir, "secrets.key");
        SecretProtector.LoadOrCreate(path).Dispose();
        byte[] content = File.ReadAllBytes(path);
        byte[] damaged = damage switch
        {
            "truncate" => content[..^1],
            "flip" => [.. content[..10], (byte)(content[10] ^ 0x40), .. content[11..]],
            _ => [],
        };
        File.WriteAllBytes(path, damaged);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Assert.Throws<SecretKeyCorruptedException>(() => SecretProtector.LoadOrCreate(path));
        Assert.Equal(damaged, File.ReadAllBytes(path));
    }

    [SkippableFact]
    public void A_key_file_readable_by_others_is_refused()
    {
        Skip.If(OperatingSystem.IsWindows(), "mode bits are a Unix matter");
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string path = Path.Combine(_dir, "secrets.key");
        SecretProtector.LoadOrCreate(path).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var ex = Assert.Throws<SecretKeyCorruptedException>(() => SecretProtector.LoadOrCreate(path));
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$")]
    private static partial Regex PhcPattern();
}
