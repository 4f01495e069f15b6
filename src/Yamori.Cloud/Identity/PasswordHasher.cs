using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Yamori.Cloud.Identity;

/// <summary>
/// Argon2id password hashes in the PHC string format
/// (<c>$argon2id$v=19$m=19456,t=2,p=1$&lt;salt&gt;$&lt;hash&gt;</c>, unpadded base64), so each hash
/// carries its own parameters and old hashes keep verifying after the cost is raised.
/// </summary>
public sealed class PasswordHasher
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int Version = 19;

    private readonly PasswordHashOptions _options;

    public PasswordHasher(PasswordHashOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public string Hash(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Derive(password, salt, _options.MemoryKiB, _options.Iterations, _options.Parallelism, HashBytes);
        string encoded = string.Create(
            CultureInfo.InvariantCulture,
            $"$argon2id$v={Version}$m={_options.MemoryKiB},t={_options.Iterations},p={_options.Parallelism}${B64(salt)}${B64(hash)}");
        CryptographicOperations.ZeroMemory(hash);
        return encoded;
    }

    /// <summary>True when <paramref name="password"/> matches; false for a wrong password or an unreadable hash.</summary>
    public bool Verify(string password, string encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(encoded, out Parameters p))
        {
            return false;
        }

        // Argon2 (Konscious) refuses an empty password; an empty one still costs the same work and never matches.
        bool empty = password.Length == 0;
        byte[] actual = Derive(empty ? "\0" : password, p.Salt, p.MemoryKiB, p.Iterations, p.Parallelism, p.Hash.Length);
        bool same = CryptographicOperations.FixedTimeEquals(actual, p.Hash) && !empty;
        CryptographicOperations.ZeroMemory(actual);
        return same;
    }

    /// <summary>True when the hash was made with other parameters than the current ones (re-hash it at the next sign-in).</summary>
    public bool NeedsRehash(string encoded) =>
        !TryParse(encoded, out Parameters p)
        || p.MemoryKiB != _options.MemoryKiB
        || p.Iterations != _options.Iterations
        || p.Parallelism != _options.Parallelism
        || p.Salt.Length != SaltBytes
        || p.Hash.Length != HashBytes;

    private static byte[] Derive(string password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length)
    {
        byte[] passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            using var argon = new Argon2id(passwordBytes)
            {
                Salt = salt,
                MemorySize = memoryKiB,
                Iterations = iterations,
                DegreeOfParallelism = parallelism,
            };
            return argon.GetBytes(length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    private static bool TryParse(string? encoded, out Parameters parameters)
    {
        parameters = default;
        string[] parts = encoded?.Split('$') ?? [];

        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] != "argon2id" || parts[2] != $"v={Version}")
        {
            return false;
        }

        int m = 0, t = 0, p = 0;
        foreach (string pair in parts[3].Split(','))
        {
            if (pair.Length < 3 || pair[1] != '=' || !int.TryParse(pair.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                return false;
            }

            switch (pair[0])
            {
                case 'm': m = value; break;
                case 't': t = value; break;
                case 'p': p = value; break;
                default: return false;
            }
        }

        // Bounds keep a planted hash from making verification allocate gigabytes.
        if (p is < 1 or > 16 || t is < 1 or > 100 || m < 8 * p || m > 4 * 1024 * 1024)
        {
            return false;
        }

        byte[]? salt = FromB64(parts[4]);
        byte[]? hash = FromB64(parts[5]);
        if (salt is null || hash is null || salt.Length < 8 || hash.Length < 16 || hash.Length > 64)
        {
            return false;
        }

        parameters = new Parameters(m, t, p, salt, hash);
        return true;
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[]? FromB64(string text)
    {
        string padded = text + new string('=', (4 - (text.Length % 4)) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private readonly record struct Parameters(int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash);
}
