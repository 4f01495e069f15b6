using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Yamori.Cloud.Identity;

/// <summary>The HMAC a TOTP code is built on (RFC 6238 allows these three).</summary>
public enum TotpAlgorithm
{
    Sha1 = 1,
    Sha256 = 2,
    Sha512 = 3,
}

/// <summary>
/// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): 30-second steps from the Unix
/// epoch, 6 digits and HMAC-SHA1 by default, as every authenticator app understands.
/// </summary>
public static class Totp
{
    public const int StepSeconds = 30;

    public const int DefaultDigits = 6;

    /// <summary>Steps accepted either side of now, for clock drift and typing time.</summary>
    public const int Window = 1;

    /// <summary>160-bit secrets, the size RFC 4226 recommends for HMAC-SHA1.</summary>
    public const int SecretBytes = 20;

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    /// <summary>The time step of an instant.</summary>
    public static long StepAt(DateTimeOffset time) => Math.DivRem(time.ToUnixTimeSeconds(), StepSeconds, out long rem) - (rem < 0 ? 1 : 0);

    /// <summary>The code for a time step (RFC 4226 dynamic truncation).</summary>
    public static string Code(ReadOnlySpan<byte> secret, long step, int digits = DefaultDigits, TotpAlgorithm algorithm = TotpAlgorithm.Sha1)
    {
        if (digits is < 6 or > 9)
        {
            throw new ArgumentOutOfRangeException(nameof(digits), digits, "TOTP codes have 6 to 9 digits");
        }

        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> mac = stackalloc byte[64];
        int length = algorithm switch
        {
            TotpAlgorithm.Sha1 => HMACSHA1.HashData(secret, counter, mac),
            TotpAlgorithm.Sha256 => HMACSHA256.HashData(secret, counter, mac),
            TotpAlgorithm.Sha512 => HMACSHA512.HashData(secret, counter, mac),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown TOTP algorithm"),
        };
        int offset = mac[length - 1] & 0x0F;
        int binary = BinaryPrimitives.ReadInt32BigEndian(mac.Slice(offset, 4)) & 0x7FFFFFFF;
        int modulus = (int)Math.Pow(10, digits);
        return (binary % modulus).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>
    /// The time step whose code matches <paramref name="code"/> within ±<see cref="Window"/> of
    /// <paramref name="now"/>, or null. The caller must still refuse a step already used (replay).
    /// </summary>
    public static long? Match(ReadOnlySpan<byte> secret, string? code, DateTimeOffset now)
    {
        if (code is null || code.Length != DefaultDigits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        long current = StepAt(now);
        long? matched = null;

        // All candidates are computed and compared in constant time, so timing tells nothing about which step matched.
        for (long step = current - Window; step <= current + Window; step++)
        {
            string expected = Code(secret, step);
            if (CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.ASCII.GetBytes(expected), System.Text.Encoding.ASCII.GetBytes(code)))
            {
                matched ??= step;
            }
        }

        return matched;
    }

    /// <summary>
    /// The <c>otpauth://</c> URI authenticator apps scan (Key Uri Format): label <c>issuer:login</c>,
    /// base32 secret without padding, issuer repeated as a parameter.
    /// </summary>
    public static string ProvisioningUri(string issuer, string login, ReadOnlySpan<byte> secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(login)}" +
        $"?secret={Base32.Encode(secret, padding: false)}&issuer={Uri.EscapeDataString(issuer)}";
}
