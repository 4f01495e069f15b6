using System.Net;
using System.Net.Sockets;

namespace Yamori.Tests;

/// <summary>
/// Ports for listeners a test binds itself, or binds again after a restart (a cloud the agent still
/// points at). Taken below the kernel's ephemeral range: a port from <c>bind(0)</c> lies inside it,
/// where an outgoing connection of a test running at the same time can take it between the check
/// and the bind, or between a stop and a restart (seen as "address already in use" in a full run).
/// </summary>
internal static class TestPorts
{
    private const int First = 20_000;
    private static int s_next = First + (Environment.ProcessId % 200 * 50);

    /// <summary>A port free on every address now and outside the range the kernel hands out on its own.</summary>
    public static int Reserve()
    {
        int limit = EphemeralLow();
        for (int attempt = 0; attempt < 2_000; attempt++)
        {
            int port = Interlocked.Increment(ref s_next);
            if (port >= limit)
            {
                Interlocked.CompareExchange(ref s_next, First, port);
                continue;
            }

            try
            {
                using var probe = new TcpListener(IPAddress.Any, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use (another test process's listener): the next one.
            }
        }

        throw new InvalidOperationException($"no free port between {First} and {limit}");
    }

    private static int EphemeralLow()
    {
        try
        {
            string range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            return int.Parse(range.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 32_768;
        }
    }
}
