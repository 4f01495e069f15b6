using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Yamori.Agent.Linux.Isolation;
using Yamori.Agent.Response;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Tests.Response;

/// <summary>
/// Isolation for real: nft inside a fresh network namespace, a "cloud" and an "elsewhere" listener
/// on the host end of a veth pair, connections tried from inside the namespace.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class IsolationTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("yamori-isolation-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [SkippableFact]
    public async Task Isolate_allows_only_the_cloud_and_loopback_and_release_restores()
    {
        RequireNft();
        using var ns = NetworkNamespace.Create();
        using var cloud = Listen(ns.HostAddress);
        using var elsewhere = Listen(ns.HostAddress);
        IsolationState state = NewState(ns, cloud);
        var isolate = new IsolateHandler(state);
        var release = new ReleaseHandler(state);

        Assert.True(ns.CanConnect(ns.HostAddress, Port(cloud)), "before isolation the cloud must be reachable");
        Assert.True(ns.CanConnect(ns.HostAddress, Port(elsewhere)), "before isolation the other port must be reachable");

        CommandOutcome first = await isolate.ExecuteAsync(Request(CommandKind.Isolate), CancellationToken.None);
        Assert.Equal(CommandStatus.Succeeded, first.Status);
        Assert.StartsWith("isolated", first.Message, StringComparison.Ordinal);
        Assert.Contains($"{ns.HostAddress}:{Port(cloud)}", first.Message, StringComparison.Ordinal);
        Assert.True(state.IsIsolated);
        Assert.True(File.Exists(state.StateFilePath));

        Assert.True(ns.CanConnect(ns.HostAddress, Port(cloud)), "the cloud must stay reachable while isolated");
        Assert.False(ns.CanConnect(ns.HostAddress, Port(elsewhere)), "anything but the cloud must be cut off");
        Assert.True(ns.LoopbackWorks(), "loopback must keep working while isolated");

        CommandOutcome again = await isolate.ExecuteAsync(Request(CommandKind.Isolate), CancellationToken.None);
        Assert.Equal(CommandStatus.Succeeded, again.Status);
        Assert.StartsWith("already isolated", again.Message, StringComparison.Ordinal);
        Assert.Equal(1, CountTables(ns));
        Assert.True(ns.CanConnect(ns.HostAddress, Port(cloud)));
        Assert.False(ns.CanConnect(ns.HostAddress, Port(elsewhere)));

        CommandOutcome released = await release.ExecuteAsync(Request(CommandKind.Release), CancellationToken.None);
        Assert.Equal(CommandStatus.Succeeded, released.Status);
        Assert.StartsWith("released", released.Message, StringComparison.Ordinal);
        Assert.False(state.IsIsolated);
        Assert.Equal(0, CountTables(ns));
        Assert.True(ns.CanConnect(ns.HostAddress, Port(elsewhere)), "after release the other port must be reachable again");
        Assert.True(ns.CanConnect(ns.HostAddress, Port(cloud)));

        CommandOutcome releasedAgain = await release.ExecuteAsync(Request(CommandKind.Release), CancellationToken.None);
        Assert.Equal(CommandStatus.Succeeded, releasedAgain.Status);
        Assert.Equal("not isolated; nothing to release", releasedAgain.Message);
    }

    [SkippableFact]
    public async Task Isolation_cuts_inbound_connections_to_the_host()
    {
        RequireNft();
        using var ns = NetworkNamespace.Create();
        using var cloud = Listen(ns.HostAddress);
        const int innerPort = 28080;
        using Process server = Process.Start(new ProcessStartInfo("ip")
        {
            ArgumentList =
            {
                "netns", "exec", ns.Name, "/usr/bin/python3", "-c",
                "import socket,sys\nl=socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + $"l.bind(('0.0.0.0',{innerPort})); l.listen(64)\nwhile True:\n a,_=l.accept(); a.close()\n",
            },
            UseShellExecute = false,
        })!;
        try
        {
            Assert.True(await ConnectsFromHostAsync(ns.InnerAddress, innerPort, retryFor: TimeSpan.FromSeconds(20)), "the namespace's server must be reachable before isolation");

            IsolationState state = NewState(ns, cloud);
            Assert.Equal(CommandStatus.Succeeded, (await state.IsolateAsync(CancellationToken.None)).Status);
            Assert.False(await ConnectsFromHostAsync(ns.InnerAddress, innerPort, retryFor: TimeSpan.Zero), "an isolated host must not accept connections");

            Assert.Equal(CommandStatus.Succeeded, (await state.ReleaseAsync(CancellationToken.None)).Status);
            Assert.True(await ConnectsFromHostAsync(ns.InnerAddress, innerPort, retryFor: TimeSpan.FromSeconds(10)));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [SkippableFact]
    public async Task Restore_reapplies_the_table_from_the_state_file_after_a_reboot()
    {
        RequireNft();
        using var ns = NetworkNamespace.Create();
        using var cloud = Listen(ns.HostAddress);
        using var elsewhere = Listen(ns.HostAddress);
        IsolationState state = NewState(ns, cloud);
        Assert.Equal(CommandStatus.Succeeded, (await state.IsolateAsync(CancellationToken.None)).Status);

        // A reboot loses the kernel's table but not the state file.
        ns.ExecOk("nft", "delete", "table", "inet", "yamori_isolation");
        Assert.True(ns.CanConnect(ns.HostAddress, Port(elsewhere)), "with the table deleted by hand the host is open again");

        // A new agent process: a new IsolationState over the same data dir.
        IsolationState restarted = NewState(ns, cloud);
        Assert.True(restarted.IsIsolated);
        Assert.Equal(IsolationRestoreResult.Reapplied, await restarted.RestoreAsync(CancellationToken.None));
        Assert.False(ns.CanConnect(ns.HostAddress, Port(elsewhere)));
        Assert.True(ns.CanConnect(ns.HostAddress, Port(cloud)));

        Assert.Equal(IsolationRestoreResult.AlreadyInPlace, await restarted.RestoreAsync(CancellationToken.None));
        Assert.Equal(1, CountTables(ns));

        Assert.Equal(CommandStatus.Succeeded, (await restarted.ReleaseAsync(CancellationToken.None)).Status);
        Assert.Equal(IsolationRestoreResult.NotIsolated, await NewState(ns, cloud).RestoreAsync(CancellationToken.None));
        Assert.Equal(0, CountTables(ns));
        Assert.True(ns.CanConnect(ns.HostAddress, Port(elsewhere)));
    }

    [SkippableFact]
    public async Task A_cloud_name_that_does_not_resolve_leaves_the_host_open_and_says_why()
    {
        RequireNft();
        using var ns = NetworkNamespace.Create();
        var state = new IsolationState(
            new IsolationOptions
            {
                CloudEndpoints = [new CloudEndpoint("cloud.yamori.invalid", 443)],
                DataDirectory = _dataDir,
                ResolveTimeout = TimeSpan.FromSeconds(3),
            },
            NftRunner.InNetworkNamespace(ns.Name));

        CommandOutcome outcome = await state.IsolateAsync(CancellationToken.None);

        Assert.Equal(CommandStatus.Failed, outcome.Status);
        Assert.Contains("cloud.yamori.invalid:443", outcome.Message, StringComparison.Ordinal);
        Assert.StartsWith("not isolated", outcome.Message, StringComparison.Ordinal);
        Assert.False(state.IsIsolated);
        Assert.Equal(0, CountTables(ns));
    }

    [SkippableFact]
    public async Task When_nft_refuses_nothing_is_left_isolated()
    {
        RequireNft();
        using var ns = NetworkNamespace.Create();

        // nft given an option it does not know refuses to run: a stand-in for any ruleset nft rejects.
        var state = new IsolationState(
            new IsolationOptions { CloudEndpoints = [new CloudEndpoint("192.0.2.1", 443)], DataDirectory = _dataDir },
            new NftRunner(["ip", "netns", "exec", ns.Name, "nft", "--check-that-does-not-exist"]));

        CommandOutcome outcome = await state.IsolateAsync(CancellationToken.None);

        Assert.Equal(CommandStatus.Failed, outcome.Status);
        Assert.StartsWith("not isolated", outcome.Message, StringComparison.Ordinal);
        Assert.False(state.IsIsolated, "a failed isolation must not leave an 'isolated' state file behind");
        Assert.Equal(0, CountTables(ns));
    }

    [SkippableTheory]
    [InlineData(false)] // no firewall before: conntrack starts with the isolation table, mid-flow
    [InlineData(true)] // a stateful host firewall already tracks the connections
    public async Task A_connection_open_before_isolation_survives_only_if_it_is_the_clouds(bool hostFirewall)
    {
        RequireNft();
        using var ns = NetworkNamespace.Create();
        if (hostFirewall)
        {
            ns.ExecOk("nft", "add table inet host_fw; add chain inet host_fw input { type filter hook input priority 0; policy accept; ct state invalid drop; }");
        }

        using var cloud = Listen(ns.HostAddress);
        using var elsewhere = Listen(ns.HostAddress);
        IsolationState state = NewState(ns, cloud);

        await using HeldConnection toCloud = await HeldConnection.OpenAsync(ns, cloud);
        await using HeldConnection toElsewhere = await HeldConnection.OpenAsync(ns, elsewhere);
        Assert.Equal(CommandStatus.Succeeded, (await state.IsolateAsync(CancellationToken.None)).Status);

        Assert.Equal("got", await toCloud.SendFromHostAndReadInsideAsync());
        Assert.Equal("cut", await toElsewhere.SendFromHostAndReadInsideAsync());
    }

    [SkippableFact]
    public async Task Configured_dns_resolvers_stay_reachable_on_port_53_only()
    {
        RequireNft();
        using var ns = NetworkNamespace.Create();
        using var cloud = Listen(ns.HostAddress);
        using var dns = new TcpListener(ns.HostAddress, 53);
        dns.Start();
        using var elsewhere = Listen(ns.HostAddress);
        var state = new IsolationState(
            new IsolationOptions
            {
                CloudEndpoints = [new CloudEndpoint(ns.HostAddress.ToString(), Port(cloud))],
                DnsResolvers = [ns.HostAddress],
                DataDirectory = _dataDir,
            },
            NftRunner.InNetworkNamespace(ns.Name));

        CommandOutcome outcome = await state.IsolateAsync(CancellationToken.None);

        Assert.Equal(CommandStatus.Succeeded, outcome.Status);
        Assert.Contains($"DNS to {ns.HostAddress}", outcome.Message, StringComparison.Ordinal);
        Assert.True(ns.CanConnect(ns.HostAddress, 53), "the configured resolver must stay reachable");
        Assert.False(ns.CanConnect(ns.HostAddress, Port(elsewhere)), "the resolver's host is open on port 53 only");
    }

    [SkippableFact]
    public async Task Ipv6_and_mapped_addresses_and_host_names_make_a_ruleset_nft_accepts()
    {
        RequireNft();
        using var ns = NetworkNamespace.Create();
        var state = new IsolationState(
            new IsolationOptions
            {
                CloudEndpoints =
                [
                    new CloudEndpoint("2001:db8::10", 443),
                    new CloudEndpoint("::ffff:192.0.2.7", 8443),
                    new CloudEndpoint("localhost", 9443),
                ],
                DnsResolvers = [IPAddress.Parse("2001:db8::53"), IPAddress.Parse("192.0.2.53")],
                DataDirectory = _dataDir,
            },
            NftRunner.InNetworkNamespace(ns.Name));

        CommandOutcome outcome = await state.IsolateAsync(CancellationToken.None);

        Assert.Equal(CommandStatus.Succeeded, outcome.Status);
        string table = ns.ExecOk("nft", "list", "table", "inet", "yamori_isolation");
        Assert.Contains("ip6 daddr 2001:db8::10 tcp dport 443 accept", table, StringComparison.Ordinal);
        Assert.Contains("ip daddr 192.0.2.7 tcp dport 8443 accept", table, StringComparison.Ordinal);
        Assert.Contains("ip daddr 127.0.0.1 tcp dport 9443 accept", table, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr 2001:db8::53", table, StringComparison.Ordinal);
        Assert.Contains("ip daddr 192.0.2.53", table, StringComparison.Ordinal);
        string saved = await File.ReadAllTextAsync(state.StateFilePath);
        Assert.Contains("\"host\": \"localhost\"", saved, StringComparison.Ordinal);
        Assert.Contains("\"address\": \"127.0.0.1\"", saved, StringComparison.Ordinal);
    }

    private static void RequireNft()
    {
        Root.Require();
        Skip.IfNot(File.Exists("/usr/sbin/nft") || File.Exists("/sbin/nft"), "nft is missing: apt-get install nftables (test.sh does)");
        Skip.IfNot(File.Exists("/usr/bin/python3"), "python3 is needed for the connection probes inside the namespace");
    }

    private IsolationState NewState(NetworkNamespace ns, TcpListener cloud) =>
        new(new IsolationOptions
            {
                CloudEndpoints = [new CloudEndpoint(ns.HostAddress.ToString(), Port(cloud))],
                DataDirectory = _dataDir,
            },
            NftRunner.InNetworkNamespace(ns.Name));

    private static CommandRequest Request(CommandKind kind) => new(Guid.NewGuid().ToString("D"), kind, new Dictionary<string, string>());

    private static TcpListener Listen(IPAddress address)
    {
        var listener = new TcpListener(address, 0);
        listener.Start(backlog: 64);
        return listener;
    }

    private static int Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    private static int CountTables(NetworkNamespace ns) =>
        ns.ExecOk("nft", "list", "tables").Split('\n').Count(l => l.Trim() == "table inet yamori_isolation");

    private static async Task<bool> ConnectsFromHostAsync(IPAddress address, int port, TimeSpan retryFor)
    {
        DateTime until = DateTime.UtcNow + retryFor;
        while (true)
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await client.ConnectAsync(address, port, timeout.Token);
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                if (DateTime.UtcNow >= until)
                {
                    return false;
                }

                await Task.Delay(200);
            }
        }
    }

    /// <summary>
    /// A TCP connection made from inside the namespace before isolation and held open by a python
    /// child; after isolation the host end sends one byte and the child reports whether it arrived.
    /// </summary>
    private sealed class HeldConnection : IAsyncDisposable
    {
        private readonly Process _child;
        private readonly TcpClient _hostEnd;

        private HeldConnection(Process child, TcpClient hostEnd)
        {
            _child = child;
            _hostEnd = hostEnd;
        }

        public static async Task<HeldConnection> OpenAsync(NetworkNamespace ns, TcpListener listener)
        {
            var start = new ProcessStartInfo("ip")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (string a in (string[])["netns", "exec", ns.Name, "/usr/bin/python3", "-c",
                "import socket,sys\nc=socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)\nprint('connected', flush=True)\n"
                + "sys.stdin.readline()\nc.settimeout(3)\ntry:\n d=c.recv(1); print('got' if d else 'eof', flush=True)\nexcept OSError:\n print('cut', flush=True)\n",
                ns.HostAddress.ToString(), Port(listener).ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                start.ArgumentList.Add(a);
            }

            Process child = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.Equal("connected", await child.StandardOutput.ReadLineAsync(timeout.Token));
            TcpClient hostEnd = await listener.AcceptTcpClientAsync(timeout.Token);
            return new HeldConnection(child, hostEnd);
        }

        /// <summary>"got" when the byte reached the namespace, "cut" when it did not within 3 s.</summary>
        public async Task<string?> SendFromHostAndReadInsideAsync()
        {
            await _hostEnd.GetStream().WriteAsync(new byte[] { (byte)'x' });
            await _child.StandardInput.WriteLineAsync();
            await _child.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await _child.StandardOutput.ReadLineAsync(timeout.Token);
        }

        public async ValueTask DisposeAsync()
        {
            _hostEnd.Dispose();
            if (!_child.HasExited)
            {
                _child.Kill(entireProcessTree: true);
            }

            await _child.WaitForExitAsync();
            _child.Dispose();
        }
    }
}
