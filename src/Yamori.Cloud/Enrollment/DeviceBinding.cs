using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Enrollment;

/// <summary>
/// The tenant and device a client certificate speaks for, carried as one SAN URI
/// <c>urn:yamori:tenant:&lt;tenantId&gt;:device:&lt;deviceId&gt;</c>. The cloud takes a device's
/// identity only from here (never from message content), so the format is parsed strictly: one
/// URI, canonical lower-case GUIDs, nothing else.
/// </summary>
public readonly record struct DeviceBinding(TenantId Tenant, DeviceId Device)
{
    internal const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string SanOid = "2.5.29.17";
    private const string Prefix = "urn:yamori:";

    public override string ToString() => $"urn:yamori:tenant:{Tenant}:device:{Device}";

    public Uri ToUri() => new(ToString(), UriKind.Absolute);

    /// <summary>Parses the binding URI; false for anything not exactly in the canonical form.</summary>
    public static bool TryParse(string? text, out DeviceBinding binding)
    {
        binding = default;
        string[] parts = text?.Split(':') ?? [];
        if (parts is not ["urn", "yamori", "tenant", var tenant, "device", var device]
            || !Guid.TryParseExact(tenant, "D", out Guid t)
            || !Guid.TryParseExact(device, "D", out Guid d))
        {
            return false;
        }

        binding = new DeviceBinding(new TenantId(t), new DeviceId(d));

        // Upper-case or otherwise non-canonical spellings are refused: one device, one spelling.
        return binding.ToString() == text;
    }

    /// <summary>
    /// Finds the binding in <paramref name="certificate"/>'s SAN. Exactly one <c>urn:yamori:</c> URI
    /// must be present; a second one (even identical) is refused, as is an undecodable SAN.
    /// </summary>
    public static bool TryRead(X509Certificate2 certificate, out DeviceBinding binding, [NotNullWhen(false)] out string? error)
    {
        binding = default;
        X509Extension? san = certificate.Extensions.FirstOrDefault(e => e.Oid?.Value == SanOid);
        if (san is null)
        {
            error = "no subject alternative name";
            return false;
        }

        List<string> uris;
        try
        {
            uris = ReadUris(san.RawData);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            error = "subject alternative name is not valid DER";
            return false;
        }

        string[] ours = uris.Where(u => u.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (ours.Length != 1)
        {
            error = ours.Length == 0 ? "no urn:yamori: URI in the subject alternative name" : $"{ours.Length} urn:yamori: URIs in the subject alternative name";
            return false;
        }

        if (!TryParse(ours[0], out binding))
        {
            // The URI is attacker-influenced only through our own CA, but keep audit lines bounded.
            error = $"malformed binding URI '{ours[0][..Math.Min(ours[0].Length, 120)]}'";
            return false;
        }

        error = null;
        return true;
    }

    // GeneralNames ::= SEQUENCE OF GeneralName; uniformResourceIdentifier is [6] IMPLICIT IA5String.
    private static List<string> ReadUris(byte[] der)
    {
        var uris = new List<string>();
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader names = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
        while (names.HasData)
        {
            if (names.PeekTag().HasSameClassAndValue(uriTag))
            {
                uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }

        return uris;
    }
}
