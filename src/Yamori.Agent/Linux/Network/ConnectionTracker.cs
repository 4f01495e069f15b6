namespace Yamori.Agent.Linux.Network;

/// <summary>A connection seen for the first time, with its direction and owner as far as known.</summary>
internal readonly record struct NewConnection(SocketEntry Socket, bool Initiated, int ProcessId, uint OwnerInode);

/// <summary>
/// Diffs successive sock_diag dumps. A TCP socket is new when its cookie (the kernel's 64-bit
/// socket id, which a TIME_WAIT remnant inherits) was absent from the previous dump; a UDP socket
/// is new per (cookie, destination), so a socket re-connected elsewhere counts again. Direction:
/// a TCP socket whose local port has a listener is accepted, otherwise initiated (as <c>ss</c> and
/// Sysmon for Linux decide). Reused lists and sets: a poll with nothing new allocates nothing.
/// <para>
/// TIME_WAIT remnants (60 s each, tens of thousands on a busy server) are dumped only every
/// <c>timeWaitEvery</c>-th poll: they exist to reveal connections that ended between two polls,
/// and their 60 s lifetime leaves ample time. A socket that was seen alive and has since left the
/// live dump is remembered until the next TIME_WAIT poll, so its remnant is not reported again.
/// </para>
/// <para>
/// With a <see cref="SocketDestroyFeed"/> (the usual case) TIME_WAIT is never dumped: every TCP
/// socket the kernel frees arrives from the feed, and one not seen alive in a dump is reported
/// then. Sockets seen alive are remembered for a few polls after they leave the dump, since the
/// kernel broadcasts the destroy from a work queue, possibly after the next dump.
/// </para>
/// </summary>
internal sealed class ConnectionTracker(int timeWaitEvery = 4)
{
    private const uint AllButTimeWait = SockDiag.AllStates & ~(1u << TcpState.TimeWait);

    // How long a socket that left the live dump is remembered for its destroy message (polls).
    private const long DepartedPolls = 40;

    private readonly List<SocketEntry> _sockets = [];
    private List<SocketEntry> _listeners = [];
    private List<SocketEntry> _previousListeners = [];
    private readonly List<NewConnection> _fresh = [];
    private readonly List<uint> _inodes = [];
    private HashSet<ulong> _knownTcp = [];
    private HashSet<ulong> _nextTcp = [];
    private HashSet<ulong> _knownTimeWait = [];
    private HashSet<ulong> _nextTimeWait = [];
    private readonly HashSet<ulong> _departed = [];
    private readonly Dictionary<ulong, long> _departedAt = [];
    private readonly List<ulong> _expired = [];
    private long _polls;
    private HashSet<(ulong, UInt128, ushort)> _knownUdp = [];
    private HashSet<(ulong, UInt128, ushort)> _nextUdp = [];

    /// <summary>
    /// Dumps the socket table and returns the connections not present in the previous dump, with
    /// owners resolved. With <paramref name="baseline"/> it only records what exists.
    /// </summary>
    /// <param name="destroyed">TCP sockets freed since the last poll (from a <see cref="SocketDestroyFeed"/>), or null without one.</param>
    public IReadOnlyList<NewConnection> Poll(SockDiag diag, SocketOwners owners, bool baseline, IReadOnlyList<SocketEntry>? destroyed = null)
    {
        _sockets.Clear();
        // The previous dump's listeners stay known for one poll: a destroyed connection whose
        // listener closed meanwhile (a service stopping with connections in its backlog) is still an accept.
        (_previousListeners, _listeners) = (_listeners, _previousListeners);
        _listeners.Clear();
        _fresh.Clear();
        _polls++;
        bool withTimeWait = destroyed is null && (baseline || (_polls % Math.Max(1, timeWaitEvery)) == 0);
        DumpAll(diag, _sockets, withTimeWait ? SockDiag.AllStates : AllButTimeWait);

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

                if (s.State == TcpState.TimeWait)
                {
                    _nextTimeWait.Add(s.Cookie);
                    isNew = !_knownTimeWait.Contains(s.Cookie) && !_departed.Contains(s.Cookie) && !_knownTcp.Contains(s.Cookie);
                }
                else
                {
                    _nextTcp.Add(s.Cookie);
                    isNew = !_knownTcp.Contains(s.Cookie);
                }
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

        if (destroyed is not null)
        {
            TrackDestroyed(destroyed, baseline);
        }
        else if (withTimeWait)
        {
            (_knownTimeWait, _nextTimeWait) = (_nextTimeWait, _knownTimeWait);
            _nextTimeWait.Clear();
            _departed.Clear();
        }
        else
        {
            foreach (ulong cookie in _knownTcp)
            {
                if (!_nextTcp.Contains(cookie))
                {
                    _departed.Add(cookie);
                }
            }
        }

        (_knownTcp, _nextTcp) = (_nextTcp, _knownTcp);
        _nextTcp.Clear();
        (_knownUdp, _nextUdp) = (_nextUdp, _knownUdp);
        _nextUdp.Clear();
        ResolveOwners(owners);
        return _fresh;
    }

    /// <summary>
    /// Reports the destroyed connections never seen alive, and remembers those that left the live
    /// dump until their destroy arrives (or <see cref="DepartedPolls"/> pass: the feed overran).
    /// </summary>
    private void TrackDestroyed(IReadOnlyList<SocketEntry> destroyed, bool baseline)
    {
        foreach (SocketEntry s in destroyed)
        {
            // A listener, or a socket that never had a peer: not a connection.
            if (s.RemotePort == 0)
            {
                continue;
            }

            bool seen = _knownTcp.Contains(s.Cookie) || _nextTcp.Contains(s.Cookie) || _departedAt.Remove(s.Cookie);
            if (!seen && !baseline)
            {
                SocketEntry? listener = ListenerFor(s) ?? ListenerFor(s, _previousListeners);
                _fresh.Add(new NewConnection(s, Initiated: listener is null, ProcessId: 0, listener?.Inode ?? 0));
            }
        }

        foreach (ulong cookie in _knownTcp)
        {
            if (!_nextTcp.Contains(cookie))
            {
                _departedAt.TryAdd(cookie, _polls);
            }
        }

        _expired.Clear();
        foreach ((ulong cookie, long at) in _departedAt)
        {
            if (_polls - at > DepartedPolls)
            {
                _expired.Add(cookie);
            }
        }

        foreach (ulong cookie in _expired)
        {
            _ = _departedAt.Remove(cookie);
        }
    }

    /// <summary>All IPv4 and IPv6 TCP sockets in <paramref name="tcpStates"/> and all UDP sockets.</summary>
    internal static void DumpAll(SockDiag diag, List<SocketEntry> into, uint tcpStates = SockDiag.AllStates)
    {
        diag.DumpTcp(tcpStates, into);
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

    private SocketEntry? ListenerFor(in SocketEntry s) => ListenerFor(s, _listeners);

    private static SocketEntry? ListenerFor(in SocketEntry s, List<SocketEntry> listeners)
    {
        foreach (SocketEntry l in listeners)
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
