using System.Net;

namespace Yamori.Agent.Linux.Isolation;

/// <summary>A cloud address the isolated host must still reach: an IP literal or a host name, and a TCP port.</summary>
public sealed record CloudEndpoint(string Host, int Port);

/// <summary>Settings of network isolation.</summary>
public sealed record IsolationOptions
{
    /// <summary>The cloud's endpoints. Host names are resolved when isolating and the addresses kept in the state file.</summary>
    public required IReadOnlyList<CloudEndpoint> CloudEndpoints { get; init; }

    /// <summary>Resolvers the isolated host may still query (UDP and TCP port 53); none by default.</summary>
    public IReadOnlyList<IPAddress> DnsResolvers { get; init; } = [];

    /// <summary>The agent's data directory; the state file <see cref="StateFileName"/> lives here.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The nftables table (family inet) that holds the isolation; nothing else uses it.</summary>
    public string TableName { get; init; } = "yamori_isolation";

    /// <summary>How long a host name may take to resolve before the kept addresses are used.</summary>
    public TimeSpan ResolveTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public const string StateFileName = "isolation.json";
}

/// <summary>One allowed cloud address, resolved.</summary>
public sealed record ResolvedEndpoint(string Host, IPAddress Address, int Port);
