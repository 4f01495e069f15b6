using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Yamori.Cloud.Enrollment;

/// <summary>The cloud's TLS server certificate, signed by the same root the agents already trust.</summary>
public sealed partial class CloudCertificateAuthority
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// Issues a fresh server certificate with a new P-256 key for the given names. Issued at every
    /// start rather than stored: nothing to protect on disk, and a renamed host needs no manual step.
    /// The certificate carries serverAuth only, so the device validator (which requires clientAuth)
    /// never accepts it as a device.
    /// </summary>
    public X509Certificate2 IssueServerCertificate(IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> addresses, DateTimeOffset now, TimeSpan validity)
    {
        if (dnsNames.Count + addresses.Count == 0)
        {
            throw new ArgumentException("a server certificate needs at least one DNS name or IP address", nameof(dnsNames));
        }

        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string cn = dnsNames.Count > 0 ? dnsNames.First() : addresses.First().ToString();
        var request = new CertificateRequest(new X500DistinguishedName($"CN={cn}, O=Yamori cloud"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in dnsNames)
        {
            san.AddDnsName(name);
        }

        foreach (IPAddress address in addresses)
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build(critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));

        DateTimeOffset rootEnd = new(_certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        DateTimeOffset notAfter = now + validity < rootEnd ? now + validity : rootEnd;
        using ECDsa caKey = _certificate.GetECDsaPrivateKey()!;
        using X509Certificate2 issued = request.Create(_certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddMinutes(-5), notAfter, NewSerial());
        using X509Certificate2 withKey = issued.CopyWithPrivateKey(key);

        // Round-trip through PKCS#12: SslStream on Linux needs a key it can export into its own context.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
