namespace Yamori.Agent.Linux.Network;

/// <summary>A connection seen for the first time, with its direction and owner as far as known.</summary>
internal readonly record struct NewConnection(SocketEntry Socket, bool Initiated, int ProcessId, uint OwnerInode);

/// <summary>
/// Diffs successive sock_diag dumps. A TCP socket is new when its cookie (the kernel's 64-bit
/// socket id, which a TIME_WAIT remnant inherits) was absent from the previous dump; a UDP socket
/// is new per (cookie, destination), so a socket re-connected elsewhere counts again. Direction:
/// a TCP socket whose local port has a listener is accepted, otherwise initiated (as <c>ss</c> and
/// Sysmon for Linux decide). Reused lists and sets: a poll with nothing new allocates nothing.
/// </summary>
internal sealed class ConnectionTracker
{
    private readonly List<SocketEntry> _sockets = [];
    private readonly List<SocketEntry> _listeners = [];
    private readonly List<NewConnection> _fresh = [];
    private readonly List<uint> _inodes = [];
    private HashSet<ulong> _knownTcp = [];
    private HashSet<ulong> _nextTcp = [];
    private HashSet<(ulong, UInt128, ushort)> _knownUdp = [];
    private HashSet<(ulong, UInt128, ushort)> _nextUdp = [];

    /// <summary>Sockets of the last dump (for live queries reusing one dump).</summary>
    public IReadOnlyList<SocketEntry> Sockets => _sockets;

    /// <summary>
    /// Dumps the socket table and returns the connections not present in the previous dump, with
    /// owners resolved. With <paramref name="baseline"/> it only records what exists.
    /// </summary>
    public IReadOnlyList<NewConnection> Poll(SockDiag diag, SocketOwners owners, bool baseline)
    {
        _sockets.Clear();
        _listeners.Clear();
        _fresh.Clear();
        DumpAll(diag, _sockets);

        foreach (SocketEntry s in _sockets)
        {
            if (s.Protocol == SockDiag.IpProtoTcp && s.State == TcpState.Listen)
            {
                _listeners.Add(s);
            }
        }

        foreach (SocketEntry s in _sockets)
        {
            bool isNew;
            if (s.Protocol == SockDiag.IpProtoTcp)
            {
                // Listeners are not connections; a half-open (SYN_RECV) request becomes a new socket with its own cookie once accepted.
                if (s.State is TcpState.Listen or TcpState.SynRecv or TcpState.NewSynRecv or TcpState.Close)
                {
                    continue;
                }

                _nextTcp.Add(s.Cookie);
                isNew = !_knownTcp.Contains(s.Cookie);
            }
            else
            {
                // An unconnected UDP socket has no destination in the socket table (see NetworkCollector).
                if (s.RemotePort == 0)
                {
                    continue;
                }

                var key = (s.Cookie, s.RemoteAddress, s.RemotePort);
                _nextUdp.Add(key);
                isNew = !_knownUdp.Contains(key);
            }

            if (isNew && !baseline)
            {
                SocketEntry? listener = s.Protocol == SockDiag.IpProtoTcp ? ListenerFor(s) : null;
                uint ownerInode = s.Inode != 0 ? s.Inode : listener?.Inode ?? 0;
                _fresh.Add(new NewConnection(s, Initiated: listener is null, ProcessId: 0, ownerInode));
            }
        }

        (_knownTcp, _nextTcp) = (_nextTcp, _knownTcp);
        _nextTcp.Clear();
        (_knownUdp, _nextUdp) = (_nextUdp, _knownUdp);
        _nextUdp.Clear();
        ResolveOwners(owners);
        return _fresh;
    }

    /// <summary>All IPv4 and IPv6 TCP and UDP sockets, in every state.</summary>
    internal static void DumpAll(SockDiag diag, List<SocketEntry> into)
    {
        diag.Dump(SockDiag.AfInet, SockDiag.IpProtoTcp, SockDiag.AllStates, into);
        diag.Dump(SockDiag.AfInet6, SockDiag.IpProtoTcp, SockDiag.AllStates, into);
        diag.Dump(SockDiag.AfInet, SockDiag.IpProtoUdp, SockDiag.AllStates, into);
        diag.Dump(SockDiag.AfInet6, SockDiag.IpProtoUdp, SockDiag.AllStates, into);
    }

    private void ResolveOwners(SocketOwners owners)
    {
        _inodes.Clear();
        foreach (NewConnection c in _fresh)
        {
            if (c.OwnerInode != 0)
            {
                _inodes.Add(c.OwnerInode);
            }
        }

        if (_inodes.Count == 0)
        {
            return;
        }

        owners.Resolve(_inodes);
        for (int i = 0; i < _fresh.Count; i++)
        {
            NewConnection c = _fresh[i];
            if (c.OwnerInode != 0 && owners.TryGetOwner(c.OwnerInode, out int pid))
            {
                _fresh[i] = c with { ProcessId = pid };
            }
        }
    }

    private SocketEntry? ListenerFor(in SocketEntry s)
    {
        foreach (SocketEntry l in _listeners)
        {
            if (l.LocalPort == s.LocalPort
                && (SocketText.IsWildcard(l.LocalAddress) || (l.Family == s.Family && l.LocalAddress == s.LocalAddress)))
            {
                return l;
            }
        }

        return null;
    }
}
