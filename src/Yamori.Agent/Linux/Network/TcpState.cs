namespace Yamori.Agent.Linux.Network;

/// <summary>TCP states as numbered in include/net/tcp_states.h.</summary>
internal static class TcpState
{
    public const byte Established = 1;
    public const byte SynSent = 2;
    public const byte SynRecv = 3;
    public const byte TimeWait = 6;
    public const byte Close = 7;
    public const byte Listen = 10;
    public const byte NewSynRecv = 12;
}
