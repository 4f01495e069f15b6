using System.Security.Cryptography;

namespace Yamori.Cloud.Identity;

/// <summary>
/// Encrypts small secrets at rest (TOTP secrets) with AES-256-GCM under a key kept in a file apart
/// from the database, so a copy of the database alone (a backup, a support bundle) reveals no
/// second factor. Each ciphertext is bound to associated data (the owner's id), so a secret copied
/// onto another row does not decrypt there. Like the CA's key file, this does not protect against
/// code running as the cloud's own user.
/// </summary>
/// <remarks>Ciphertext layout: version byte 1 | 12-byte nonce | 16-byte tag | ciphertext.</remarks>
public sealed class SecretProtector : IDisposable
{
    public const int KeyBytes = 32;

    private const byte FormatVersion = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    // Key file: magic | key | first 4 bytes of SHA-256(key), so a damaged file is recognised, not used.
    private static readonly byte[] Magic = "YSK1"u8.ToArray();
    private const int ChecksumBytes = 4;

    private readonly AesGcm _aes;

    public SecretProtector(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException($"key must be {KeyBytes} bytes, not {key.Length}", nameof(key));
        }

        _aes = new AesGcm(key, TagBytes);
    }

    /// <summary>
    /// Loads the key from <paramref name="keyFile"/>, creating it (owner-only, 0600) when absent.
    /// </summary>
    /// <exception cref="SecretKeyCorruptedException">The file is damaged or open to group/others; it was left untouched.</exception>
    public static SecretProtector LoadOrCreate(string keyFile)
    {
        string path = Path.GetFullPath(keyFile);
        if (!File.Exists(path))
        {
            byte[] key = RandomNumberGenerator.GetBytes(KeyBytes);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                WriteOwnerOnly(path, [.. Magic, .. key, .. SHA256.HashData(key).AsSpan(0, ChecksumBytes)]);
                return new SecretProtector(key);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        RequireOwnerOnly(path);
        byte[] content = File.ReadAllBytes(path);
        try
        {
            if (content.Length != Magic.Length + KeyBytes + ChecksumBytes || !content.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            {
                throw new SecretKeyCorruptedException($"secret key file {path} is damaged (wrong size or header); it was left untouched");
            }

            ReadOnlySpan<byte> key = content.AsSpan(Magic.Length, KeyBytes);
            if (!SHA256.HashData(key).AsSpan(0, ChecksumBytes).SequenceEqual(content.AsSpan(Magic.Length + KeyBytes)))
            {
                throw new SecretKeyCorruptedException($"secret key file {path} is damaged (checksum mismatch); it was left untouched");
            }

            return new SecretProtector(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    public byte[] Protect(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        byte[] output = new byte[1 + NonceBytes + TagBytes + plaintext.Length];
        output[0] = FormatVersion;
        Span<byte> nonce = output.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        _aes.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceBytes + TagBytes), output.AsSpan(1 + NonceBytes, TagBytes), associatedData);
        return output;
    }

    /// <exception cref="CryptographicException">The ciphertext was changed, belongs to other associated data, or another key.</exception>
    public byte[] Unprotect(ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData)
    {
        if (ciphertext.Length < 1 + NonceBytes + TagBytes || ciphertext[0] != FormatVersion)
        {
            throw new CryptographicException("protected secret has an unknown format");
        }

        byte[] plaintext = new byte[ciphertext.Length - 1 - NonceBytes - TagBytes];
        _aes.Decrypt(
            ciphertext.Slice(1, NonceBytes), ciphertext[(1 + NonceBytes + TagBytes)..], ciphertext.Slice(1 + NonceBytes, TagBytes), plaintext, associatedData);
        return plaintext;
    }

    public void Dispose() => _aes.Dispose();

    private static void WriteOwnerOnly(string path, byte[] content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static void RequireOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        UnixFileMode open = File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        if (open != UnixFileMode.None)
        {
            throw new SecretKeyCorruptedException($"secret key file {path} is accessible to group or others ({open}); run 'chmod 600 {path}'. It was left untouched.");
        }
    }
}

/// <summary>The secret key file cannot be used; start-up must stop rather than replace it (every TOTP secret would be lost).</summary>
public sealed class SecretKeyCorruptedException : Exception
{
    public SecretKeyCorruptedException()
    {
    }

    public SecretKeyCorruptedException(string message)
        : base(message)
    {
    }

    public SecretKeyCorruptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
