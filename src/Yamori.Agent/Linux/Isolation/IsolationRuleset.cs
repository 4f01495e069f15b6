using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Yamori.Agent.Linux.Isolation;

/// <summary>
/// The nft script of the isolation table. One script creates the table (so that the delete cannot
/// fail), deletes it and builds it anew: nft runs it as one transaction, so re-isolating replaces
/// the rules without a moment of either no rules or a half ruleset.
/// </summary>
/// <remarks>
/// Allowed: loopback; TCP to each cloud address and port, and the replies of those connections
/// (conntrack "established", or any non-SYN segment from the cloud's address and port, so the
/// agent's stream opened before isolation survives; an older connection from elsewhere is cut); DNS to the configured
/// resolvers; IPv6 neighbour discovery (without it the cloud is unreachable over IPv6); ICMP errors
/// about tracked flows (path MTU). Everything else in, out and forwarded is dropped.
/// </remarks>
public static class IsolationRuleset
{
    /// <summary>Hook priority: before the usual filter tables (0), so their accepts cannot matter; a drop anywhere is final anyway.</summary>
    private const int Priority = -10;

    public static string Build(string table, IReadOnlyList<ResolvedEndpoint> cloud, IReadOnlyList<IPAddress> dnsResolvers)
    {
        ValidateName(table);
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(dnsResolvers);
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"table inet {table}\ndelete table inet {table}\ntable inet {table} {{\n");

        s.Append(CultureInfo.InvariantCulture, $"\tchain input {{\n\t\ttype filter hook input priority {Priority}; policy drop;\n");
        s.Append("\t\tiif \"lo\" accept\n");
        s.Append("\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept\n");
        s.Append("\t\tct state related meta l4proto { icmp, ipv6-icmp } accept\n");
        foreach (ResolvedEndpoint e in cloud)
        {
            s.Append(CultureInfo.InvariantCulture, $"\t\t{Family(e.Address)} saddr {Text(e.Address)} tcp sport {Port(e.Port)} ct state established accept\n");

            // Conntrack may start only with this table (a host without stateful rules), and then it
            // meets the agent's live stream mid-flow as "new": accept the cloud's non-SYN segments
            // so that stream survives. A SYN from the cloud's port still cannot open a connection.
            s.Append(CultureInfo.InvariantCulture, $"\t\t{Family(e.Address)} saddr {Text(e.Address)} tcp sport {Port(e.Port)} tcp flags & syn == 0 accept\n");
        }

        foreach (IPAddress r in dnsResolvers)
        {
            s.Append(CultureInfo.InvariantCulture, $"\t\t{Family(r)} saddr {Text(r)} meta l4proto {{ tcp, udp }} th sport 53 ct state established accept\n");
        }

        s.Append("\t}\n");

        s.Append(CultureInfo.InvariantCulture, $"\tchain output {{\n\t\ttype filter hook output priority {Priority}; policy drop;\n");
        s.Append("\t\toif \"lo\" accept\n");
        s.Append("\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept\n");
        foreach (ResolvedEndpoint e in cloud)
        {
            s.Append(CultureInfo.InvariantCulture, $"\t\t{Family(e.Address)} daddr {Text(e.Address)} tcp dport {Port(e.Port)} accept\n");
        }

        foreach (IPAddress r in dnsResolvers)
        {
            s.Append(CultureInfo.InvariantCulture, $"\t\t{Family(r)} daddr {Text(r)} meta l4proto {{ tcp, udp }} th dport 53 accept\n");
        }

        s.Append("\t}\n");

        s.Append(CultureInfo.InvariantCulture, $"\tchain forward {{\n\t\ttype filter hook forward priority {Priority}; policy drop;\n\t}}\n");
        s.Append("}\n");
        return s.ToString();
    }

    /// <summary>A script that removes the table if it exists and does nothing otherwise, in one transaction.</summary>
    public static string Delete(string table)
    {
        ValidateName(table);
        return $"table inet {table}\ndelete table inet {table}\n";
    }

    /// <summary>An IPv4-mapped IPv6 address becomes IPv4 (the packets are IPv4); a scope id is dropped.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
    }

    private static string Family(IPAddress a) => Normalize(a).AddressFamily == AddressFamily.InterNetwork ? "ip" : "ip6";

    private static string Text(IPAddress a) => Normalize(a).ToString();

    private static string Port(int port) =>
        port is > 0 and <= 65535
            ? port.ToString(CultureInfo.InvariantCulture)
            : throw new ArgumentOutOfRangeException(nameof(port), port, "a TCP port is 1..65535");

    // The name goes into a script; only a plain identifier can be allowed there.
    private static void ValidateName(string table)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        if (!table.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || !char.IsAsciiLetter(table[0]))
        {
            throw new ArgumentException($"nft table name must be letters, digits and '_': '{table}'", nameof(table));
        }
    }
}
