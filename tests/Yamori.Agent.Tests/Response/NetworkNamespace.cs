using System.Globalization;
using System.Net;

namespace Yamori.Agent.Tests.Response;

/// <summary>
/// A network namespace joined to the host's by a veth pair (host end .1, namespace end .2 of a /30),
/// with loopback up. Programs run inside it through <c>ip netns exec</c> child processes, so the
/// test process itself never changes namespace.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name, IPAddress hostAddress, IPAddress innerAddress)
    {
        Name = name;
        HostAddress = hostAddress;
        InnerAddress = innerAddress;
    }

    public string Name { get; }

    /// <summary>The host end of the veth pair: the "cloud" and the "elsewhere" listen here.</summary>
    public IPAddress HostAddress { get; }

    public IPAddress InnerAddress { get; }

    public static NetworkNamespace Create()
    {
        string id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
        int subnet = System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 64) * 4;
        int third = System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 256);
        string prefix = string.Create(CultureInfo.InvariantCulture, $"10.213.{third}.");
        string name = "yresp" + id;
        string hostIf = "yrh" + id;
        string innerIf = "yri" + id;
        var ns = new NetworkNamespace(
            name,
            IPAddress.Parse(prefix + (subnet + 1).ToString(CultureInfo.InvariantCulture)),
            IPAddress.Parse(prefix + (subnet + 2).ToString(CultureInfo.InvariantCulture)));
        Root.RunOk("ip", "netns", "add", name);
        try
        {
            Root.RunOk("ip", "link", "add", hostIf, "type", "veth", "peer", "name", innerIf, "netns", name);
            Root.RunOk("ip", "addr", "add", ns.HostAddress + "/30", "dev", hostIf);
            Root.RunOk("ip", "link", "set", hostIf, "up");
            ns.ExecOk("ip", "addr", "add", ns.InnerAddress + "/30", "dev", innerIf);
            ns.ExecOk("ip", "link", "set", innerIf, "up");
            ns.ExecOk("ip", "link", "set", "lo", "up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    public (int ExitCode, string Output, string Error) Exec(params string[] command) =>
        Root.Run("ip", ["netns", "exec", Name, .. command]);

    public string ExecOk(params string[] command) => Root.RunOk("ip", ["netns", "exec", Name, .. command]);

    /// <summary>Whether a TCP connect from inside the namespace completes within 3 s (a dropped SYN times out).</summary>
    public bool CanConnect(IPAddress address, int port)
    {
        (int code, _, string error) = Exec("/usr/bin/python3", "-c",
            "import socket,sys\ns=socket.socket(socket.AF_INET)\ns.settimeout(3)\n"
            + "try:\n s.connect((sys.argv[1], int(sys.argv[2])))\nexcept OSError as e:\n print(e, file=sys.stderr); sys.exit(3)\n",
            address.ToString(), port.ToString(CultureInfo.InvariantCulture));
        Assert.True(code is 0 or 3, $"connect probe crashed ({code}): {error}");
        return code == 0;
    }

    /// <summary>Whether loopback works inside the namespace (a listener and a client on 127.0.0.1).</summary>
    public bool LoopbackWorks()
    {
        (int code, _, string error) = Exec("/usr/bin/python3", "-c",
            "import socket,sys\nl=socket.socket(); l.bind(('127.0.0.1',0)); l.listen()\n"
            + "c=socket.socket(); c.settimeout(3)\ntry:\n c.connect(l.getsockname()); a,_=l.accept(); c.sendall(b'x'); a.settimeout(3); sys.exit(0 if a.recv(1)==b'x' else 4)\n"
            + "except OSError as e:\n print(e, file=sys.stderr); sys.exit(3)\n");
        Assert.True(code is 0 or 3 or 4, $"loopback probe crashed ({code}): {error}");
        return code == 0;
    }

    public void Dispose() => Root.Run("ip", "netns", "del", Name); // takes the veth pair with it
}
