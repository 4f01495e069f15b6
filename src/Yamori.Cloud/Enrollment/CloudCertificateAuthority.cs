using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Yamori.Cloud.Enrollment;

/// <summary>
/// The cloud's own device CA: an ECDSA P-384 root, created on first start in the data directory and
/// loaded on every later start. It signs device client certificates (clientAuth) and the cloud's own
/// TLS server certificate (serverAuth, see CloudCertificateAuthority.Server.cs), so agents trust
/// exactly this root for the server and the agent endpoint trusts exactly it for devices, never the
/// operating system's store.
/// </summary>
/// <remarks>
/// Threat model for the key at rest. Three files: the certificate (public), the private key as
/// encrypted PKCS#8, and a 256-bit random key-encryption key in a separate file, owner-only (0600).
/// This keeps the CA key out of a copy of the database or of the encrypted key file alone (backups,
/// support bundles, a mis-scoped volume mount), and the key file can be placed elsewhere
/// (<see cref="CertificateAuthorityFiles.KeyEncryptionKey"/>) so that the two never travel
/// together. It does not protect against root, nor against code running as the cloud's own user,
/// which can read both files; that needs an HSM or OS keystore, a later seam. A group- or
/// world-readable key file is refused at start, as ssh refuses a loose private key.
/// Damaged or partial files are refused and never overwritten: replacing the CA silently would
/// orphan every enrolled device.
/// </remarks>
public sealed partial class CloudCertificateAuthority : IDisposable
{
    /// <summary>Validity of the root; devices are re-enrolled long before it matters.</summary>
    public static readonly TimeSpan RootValidity = TimeSpan.FromDays(3652);

    // The KEK is 256 random bits, so key stretching adds nothing; the count is PBES2's floor of politeness.
    private const int Pbkdf2Iterations = 10_000;

    private readonly X509Certificate2 _certificate;

    private CloudCertificateAuthority(X509Certificate2 certificateWithKey) => _certificate = certificateWithKey;

    /// <summary>
    /// The root certificate (public part only), for trust stores and the chain handed to agents. A new
    /// instance each time, so no caller can dispose the CA's own copy; the caller disposes it.
    /// </summary>
    public X509Certificate2 Certificate => X509CertificateLoader.LoadCertificate(_certificate.RawData);

    /// <summary>PEM of the root certificate.</summary>
    public string CertificatePem => _certificate.ExportCertificatePem();

    /// <summary>
    /// Loads the CA from <paramref name="dataDirectory"/>, creating it when none of its files exist.
    /// </summary>
    /// <exception cref="CertificateAuthorityCorruptedException">A file is damaged, missing or too open; it was left untouched.</exception>
    public static CloudCertificateAuthority OpenOrCreate(string dataDirectory, TimeProvider clock, string? keyEncryptionKeyPath = null)
    {
        var files = CertificateAuthorityFiles.In(dataDirectory, keyEncryptionKeyPath);
        string[] all = [files.Certificate, files.PrivateKey, files.KeyEncryptionKey];
        int present = all.Count(File.Exists);
        if (present == 0)
        {
            return Create(files, clock);
        }

        if (present < all.Length)
        {
            string missing = all.First(f => !File.Exists(f));
            throw new CertificateAuthorityCorruptedException(
                $"CA file {missing} is missing while the other CA files exist; nothing was overwritten. " +
                "Restore it from backup (or, only if no device was ever enrolled, delete the CA files).");
        }

        return Load(files);
    }

    /// <summary>
    /// Signs a device client certificate for <paramref name="publicKey"/>, bound to tenant and device by
    /// the SAN URI (<see cref="DeviceBinding"/>). The caller has already checked the key and the token.
    /// </summary>
    internal X509Certificate2 IssueClientCertificate(PublicKey publicKey, DeviceBinding binding, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        // Never past the root: a leaf outliving its issuer would fail chain building on some clients.
        DateTimeOffset rootEnd = new(_certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (notAfter > rootEnd)
        {
            notAfter = rootEnd;
        }

        // The subject comes from us, never from the CSR: only the binding is trusted, and it is ours.
        var subject = new X500DistinguishedName($"CN={binding.Device}, OU={binding.Tenant}, O=Yamori device");
        var request = new CertificateRequest(subject, publicKey, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(DeviceBinding.ClientAuthOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(binding.ToUri());
        request.CertificateExtensions.Add(san.Build(critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));

        // The generator overload: the issuer-certificate one refuses an RSA subject under an EC issuer.
        using ECDsa caKey = _certificate.GetECDsaPrivateKey()!;
        return request.Create(_certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), notBefore, notAfter, NewSerial());
    }

    public void Dispose() => _certificate.Dispose();

    private static CloudCertificateAuthority Create(CertificateAuthorityFiles files, TimeProvider clock)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(files.Certificate)!);
        Directory.CreateDirectory(Path.GetDirectoryName(files.KeyEncryptionKey)!);
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest("CN=Yamori Cloud Device CA, O=Yamori", key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = clock.GetUtcNow();

        // A little back-dating absorbs clock skew between the cloud and agents.
        using X509Certificate2 root = request.Create(
            request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), now.AddMinutes(-5), now + RootValidity, NewSerial());

        byte[] kek = RandomNumberGenerator.GetBytes(32);
        string encrypted = key.ExportEncryptedPkcs8PrivateKeyPem(
            kek, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Pbkdf2Iterations));

        // CreateNew throughout: if a file appeared meanwhile, fail rather than overwrite it.
        WriteOwnerOnly(files.KeyEncryptionKey, kek);
        WriteOwnerOnly(files.PrivateKey, Encoding.ASCII.GetBytes(encrypted));
        WriteOwnerOnly(files.Certificate, Encoding.ASCII.GetBytes(root.ExportCertificatePem()));
        CryptographicOperations.ZeroMemory(kek);
        return new CloudCertificateAuthority(root.CopyWithPrivateKey(key));
    }

    private static CloudCertificateAuthority Load(CertificateAuthorityFiles files)
    {
        RequireOwnerOnly(files.KeyEncryptionKey);
        byte[] kek = File.ReadAllBytes(files.KeyEncryptionKey);
        try
        {
            if (kek.Length != 32)
            {
                throw new CertificateAuthorityCorruptedException(
                    $"CA key-encryption key {files.KeyEncryptionKey} has {kek.Length} bytes, expected 32; it was left untouched");
            }

            X509Certificate2 root;
            try
            {
                root = X509CertificateLoader.LoadCertificate(PemDer(files.Certificate, "CERTIFICATE"));
            }
            catch (Exception ex) when (ex is CryptographicException or FormatException)
            {
                throw Corrupt(files.Certificate, ex);
            }

            if (!HasValidSelfSignature(root))
            {
                root.Dispose();
                throw new CertificateAuthorityCorruptedException($"CA file {files.Certificate} is damaged (its signature does not verify); it was left untouched");
            }

            using (root)
            {
                using var key = ECDsa.Create();
                try
                {
                    key.ImportEncryptedPkcs8PrivateKey(kek, PemDer(files.PrivateKey, "ENCRYPTED PRIVATE KEY"), out _);
                }
                catch (Exception ex) when (ex is CryptographicException or FormatException)
                {
                    throw Corrupt(files.PrivateKey, ex);
                }

                try
                {
                    // Throws when the key is not the certificate's: a swapped file is as bad as a damaged one.
                    return new CloudCertificateAuthority(root.CopyWithPrivateKey(key));
                }
                catch (Exception ex) when (ex is ArgumentException or CryptographicException)
                {
                    throw new CertificateAuthorityCorruptedException(
                        $"CA file {files.PrivateKey} holds a key that is not the key of {files.Certificate}; both were left untouched", ex);
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    // Chain building does not check a trust anchor's own signature, so a flipped bit in the
    // certificate's body would otherwise surface only as a confusing key mismatch.
    private static bool HasValidSelfSignature(X509Certificate2 root)
    {
        try
        {
            var reader = new AsnReader(root.RawData, AsnEncodingRules.DER).ReadSequence();
            ReadOnlyMemory<byte> tbs = reader.ReadEncodedValue();
            reader.ReadSequence(); // signatureAlgorithm: ours is always ecdsa-with-SHA384
            byte[] signature = reader.ReadBitString(out _);
            using ECDsa? key = root.GetECDsaPublicKey();
            return key is not null && key.VerifyData(tbs.Span, signature, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return false;
        }
    }

    private static byte[] PemDer(string path, string label)
    {
        string text = File.ReadAllText(path);
        if (!PemEncoding.TryFind(text, out PemFields fields))
        {
            throw new FormatException("no PEM block found");
        }

        string found = text[fields.Label];
        if (found != label)
        {
            throw new FormatException($"PEM label is '{found}', expected '{label}'");
        }

        return Convert.FromBase64String(text[fields.Base64Data]);
    }

    private static CertificateAuthorityCorruptedException Corrupt(string path, Exception ex) =>
        new($"CA file {path} is damaged or does not match the other CA files ({ex.Message}); it was left untouched", ex);

    private static void WriteOwnerOnly(string path, byte[] content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation, so the file is never readable by others, not even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            // The umask can only remove bits; this states the intent whatever it was.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static void RequireOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // ACLs, not mode bits, on Windows; the data directory's ACL governs.
        }

        UnixFileMode open = File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        if (open != UnixFileMode.None)
        {
            throw new CertificateAuthorityCorruptedException(
                $"CA key-encryption key {path} is accessible to group or others ({open}); run 'chmod 600 {path}'. It was left untouched.");
        }
    }

    private static byte[] NewSerial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive, as RFC 5280 requires
        serial[0] |= 0x01; // and without a leading zero byte to strip
        return serial;
    }
}

/// <summary>Where the CA keeps its three files.</summary>
public sealed record CertificateAuthorityFiles(string Certificate, string PrivateKey, string KeyEncryptionKey)
{
    public static CertificateAuthorityFiles In(string dataDirectory, string? keyEncryptionKeyPath = null)
    {
        string dir = Path.Combine(Path.GetFullPath(dataDirectory), "ca");
        return new(
            Path.Combine(dir, "ca.crt.pem"),
            Path.Combine(dir, "ca.key.p8.pem"),
            Path.GetFullPath(keyEncryptionKeyPath ?? Path.Combine(dir, "ca.kek")));
    }
}

/// <summary>The CA cannot be used as it is; start-up must stop rather than replace it.</summary>
public sealed class CertificateAuthorityCorruptedException : Exception
{
    public CertificateAuthorityCorruptedException()
    {
    }

    public CertificateAuthorityCorruptedException(string message)
        : base(message)
    {
    }

    public CertificateAuthorityCorruptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
