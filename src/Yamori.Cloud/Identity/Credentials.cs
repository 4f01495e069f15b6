using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Yamori.Cloud.Identity;

/// <summary>Login names: 3 to 64 of <c>a-z 0-9 . _ - @</c>, starting with a letter or digit, unique regardless of case.</summary>
public static partial class LoginName
{
    /// <summary>The lower-case form that uniqueness and look-up use.</summary>
    /// <exception cref="ArgumentException">The name is not a valid login name (parameter <c>login</c>).</exception>
    public static string Normalize(string? login)
    {
        if (login is null || !Pattern().IsMatch(login))
        {
            throw new ArgumentException(
                "login must be 3 to 64 characters of letters, digits, '.', '_', '-' or '@', starting with a letter or digit", nameof(login));
        }

        return login.ToLowerInvariant();
    }

    /// <summary>The normalized form, or null when <paramref name="login"/> cannot be a login name.</summary>
    public static string? TryNormalize(string? login) => login is not null && Pattern().IsMatch(login) ? login.ToLowerInvariant() : null;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$")]
    private static partial Regex Pattern();
}

/// <summary>What a password must be: at least 12 characters, at most 256, and not the login name.</summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;

    // Argon2 takes any length; the bound keeps a request from making the server hash megabytes.
    public const int MaxLength = 256;

    /// <exception cref="ArgumentException">The password breaks a rule (parameter <c>password</c>); the message never contains it.</exception>
    public static void Check(string? password, string login)
    {
        if (password is null || password.Length < MinLength)
        {
            throw new ArgumentException($"password must have at least {MinLength} characters", nameof(password));
        }

        if (password.Length > MaxLength)
        {
            throw new ArgumentException($"password must have at most {MaxLength} characters", nameof(password));
        }

        if (string.Equals(password.Trim(), login, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("password must not be the login name", nameof(password));
        }
    }

    /// <summary>A random one-time password: 20 characters without look-alikes (about 115 bits).</summary>
    public static string GenerateOneTime() =>
        RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 20);
}

/// <summary>
/// Bearer secrets (sessions, sign-in tickets, API tokens): a prefix and 256 random bits in
/// base64url. Only the SHA-256 of the raw bits is stored, so a copy of the database grants nothing.
/// </summary>
internal static class OpaqueToken
{
    private const int RawBytes = 32;
    private const int EncodedLength = 43;

    public static (string Token, byte[] Hash) Generate(string prefix)
    {
        byte[] raw = RandomNumberGenerator.GetBytes(RawBytes);
        string token = prefix + Base64Url.EncodeToString(raw);
        byte[] hash = SHA256.HashData(raw);
        CryptographicOperations.ZeroMemory(raw);
        return (token, hash);
    }

    /// <summary>The hash of a presented token, or null when it cannot be one of ours.</summary>
    public static byte[]? TryHash(string prefix, string? token)
    {
        if (token is null || token.Length != prefix.Length + EncodedLength || !token.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        Span<byte> raw = stackalloc byte[RawBytes + 1];
        if (Base64Url.DecodeFromChars(token.AsSpan(prefix.Length), raw, out _, out int written) != System.Buffers.OperationStatus.Done
            || written != RawBytes)
        {
            return null;
        }

        byte[] hash = SHA256.HashData(raw[..RawBytes]);
        CryptographicOperations.ZeroMemory(raw);
        return hash;
    }
}
