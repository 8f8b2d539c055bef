namespace Osprey.Transport;

/// <summary>A snapshot of the transport's counters (for statistics and <c>core.tcp_info</c>).</summary>
public readonly record struct TransportCounters(
    long UdpDatagramsReceived,
    long UdpOversize,
    long UdpReceiveErrors,
    long UdpSendErrors,
    long TcpConnectionsOpened,
    long TcpConnectionsClosed,
    long TcpConnectionsRefused,
    long TcpConnectFailures,
    long TcpFramingErrors,
    long TcpMessagesReceived,
    long TcpSendErrors,
    long HandlerErrors,
    int TcpConnectionsOpen);

/// <summary>The live counters; incremented with Interlocked from any thread.</summary>
internal sealed class CounterSet
{
    public long UdpDatagramsReceived;
    public long UdpOversize;
    public long UdpReceiveErrors;
    public long UdpSendErrors;
    public long TcpConnectionsOpened;
    public long TcpConnectionsClosed;
    public long TcpConnectionsRefused;
    public long TcpConnectFailures;
    public long TcpFramingErrors;
    public long TcpMessagesReceived;
    public long TcpSendErrors;
    public long HandlerErrors;

    public TransportCounters Snapshot(int open) => new(
        Volatile.Read(ref UdpDatagramsReceived),
        Volatile.Read(ref UdpOversize),
        Volatile.Read(ref UdpReceiveErrors),
        Volatile.Read(ref UdpSendErrors),
        Volatile.Read(ref TcpConnectionsOpened),
        Volatile.Read(ref TcpConnectionsClosed),
        Volatile.Read(ref TcpConnectionsRefused),
        Volatile.Read(ref TcpConnectFailures),
        Volatile.Read(ref TcpFramingErrors),
        Volatile.Read(ref TcpMessagesReceived),
        Volatile.Read(ref TcpSendErrors),
        Volatile.Read(ref HandlerErrors),
        open);
}
