using System.Net;

namespace Yamori.Sigma.Matching;

/// <summary>
/// <c>cidr</c>: the address is parsed once and checked against every network of the value list,
/// so a 40-network list costs one parse, not forty.
/// </summary>
internal sealed class CidrTest : ValueTest
{
    private readonly IPNetwork[] _networks;
    private readonly (uint Base, uint Mask)[] _v4;

    public CidrTest(IPNetwork[] networks)
    {
        _networks = networks;
        var v4 = new List<(uint, uint)>();
        foreach (IPNetwork n in networks)
        {
            if (n.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                uint mask = n.PrefixLength == 0 ? 0 : uint.MaxValue << (32 - n.PrefixLength);
                v4.Add((System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(n.BaseAddress.GetAddressBytes()) & mask, mask));
            }
        }

        _v4 = [.. v4];
    }

    public override bool Test(string value)
    {
        ReadOnlySpan<char> text = value.AsSpan().Trim();

        // Most event addresses are dotted IPv4: parsed here without allocating an IPAddress.
        if (TryParseIPv4(text, out uint addr))
        {
            foreach ((uint b, uint mask) in _v4)
            {
                if ((addr & mask) == b)
                {
                    return true;
                }
            }

            return false;
        }

        if (!IPAddress.TryParse(text, out IPAddress? ip))
        {
            return false;
        }

        IPAddress? v4 = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : null;
        foreach (IPNetwork network in _networks)
        {
            IPAddress candidate = v4 is not null && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? v4 : ip;
            if (network.Contains(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseIPv4(ReadOnlySpan<char> s, out uint value)
    {
        value = 0;
        int part = 0, digits = 0, parts = 0;
        foreach (char c in s)
        {
            if (c is >= '0' and <= '9')
            {
                part = (part * 10) + (c - '0');
                if (++digits > 3 || part > 255)
                {
                    return false;
                }
            }
            else if (c == '.' && digits > 0 && parts < 3)
            {
                value = (value << 8) | (uint)part;
                parts++;
                part = digits = 0;
            }
            else
            {
                return false;
            }
        }

        if (parts != 3 || digits == 0)
        {
            return false;
        }

        value = (value << 8) | (uint)part;
        return true;
    }

    public override string ToString() => "cidr " + string.Join<IPNetwork>(", ", _networks);
}
