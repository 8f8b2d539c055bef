namespace Osprey.Transport;

/// <summary>
/// How the transport listens and the limits it enforces. Built once at start-up (from the cfg's
/// <c>listen</c>, <c>children</c>, <c>tcp_max_connections</c>, <c>tcp_connection_lifetime</c>, ...)
/// and not changed while the host runs.
/// </summary>
public sealed class TransportOptions
{
    /// <summary>Sockets to open, in order; <see cref="ListenEndpoint.Index"/> is the position here.</summary>
    public List<ListenEndpoint> Listen { get; } = [];

    /// <summary>Receive loops (threads) per UDP listener, sharing the port via SO_REUSEPORT (Kamailio's <c>children</c>).</summary>
    public int UdpReceiveLoops { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Datagrams a UDP receive loop takes per system call on Linux (<c>recvmmsg</c>); 1 reads them
    /// one at a time. Each loop keeps this many 64 KiB buffers.</summary>
    public int UdpReceiveBatch { get; set; } = 16;

    /// <summary>Datagrams larger than this are delivered with <see cref="InboundFlags.Oversize"/>.</summary>
    public int MaxUdpDatagramSize { get; set; } = 65535;

    /// <summary>Open TCP connections (both directions) beyond which accepts are refused (<c>tcp_max_connections</c>).</summary>
    public int TcpMaxConnections { get; set; } = 2048;

    /// <summary>A TCP connection with no traffic for this long is closed (<c>tcp_connection_lifetime</c>).</summary>
    public TimeSpan TcpConnectionLifetime { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Time allowed for an outbound TCP connect (<c>tcp_connect_timeout</c>).</summary>
    public TimeSpan TcpConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes queued for a slow TCP peer before the connection is given up (<c>tcpconn_wq_max</c>).</summary>
    public int TcpMaxPendingWriteBytes { get; set; } = 256 * 1024;

    /// <summary>Largest message accepted on a stream; larger ones close the connection.</summary>
    public int MaxStreamMessageSize { get; set; } = 65536;

    /// <summary>Bytes a stream may send without a plausible SIP start line before it is closed.</summary>
    public int MaxStreamGarbage { get; set; } = 32 * 1024;

    /// <summary>SO_RCVBUF for every socket; 0 keeps the operating system's default.</summary>
    public int SocketReceiveBufferSize { get; set; }

    /// <summary>SO_RCVBUF for UDP sockets (Kamailio's <c>-b</c>); 0 falls back to <see cref="SocketReceiveBufferSize"/>.
    /// A UDP socket absorbs bursts only as far as its buffer goes; the kernel caps it at net.core.rmem_max.</summary>
    public int UdpReceiveBufferSize { get; set; }

    /// <summary>Checks the values; returns a message a user can act on, or null when they are fine.</summary>
    public string? Validate()
    {
        if (Listen.Count == 0)
            return "no listen sockets configured";
        if (UdpReceiveLoops < 1 || UdpReceiveLoops > 1024)
            return "UDP receive loops (children) must be between 1 and 1024, not " + UdpReceiveLoops;
        if (UdpReceiveBatch < 1 || UdpReceiveBatch > 1024)
            return "UDP receive batch must be between 1 and 1024, not " + UdpReceiveBatch;
        if (MaxUdpDatagramSize < 512 || MaxUdpDatagramSize > 65535)
            return "max UDP datagram size must be between 512 and 65535, not " + MaxUdpDatagramSize;
        if (TcpMaxConnections < 1)
            return "tcp_max_connections must be at least 1, not " + TcpMaxConnections;
        if (TcpConnectionLifetime <= TimeSpan.Zero)
            return "tcp_connection_lifetime must be positive";
        if (TcpConnectTimeout <= TimeSpan.Zero)
            return "tcp_connect_timeout must be positive";
        if (MaxStreamMessageSize < 1024)
            return "max stream message size must be at least 1024, not " + MaxStreamMessageSize;
        if (MaxStreamGarbage < 256)
            return "max stream garbage must be at least 256, not " + MaxStreamGarbage;
        if (TcpMaxPendingWriteBytes < MaxStreamMessageSize)
            return "TCP pending write limit must be at least the max stream message size";
        if (SocketReceiveBufferSize < 0)
            return "socket receive buffer size must not be negative";
        foreach (var l in Listen)
        {
            if (l.Protocol != SipProtocol.Udp && l.Protocol != SipProtocol.Tcp)
                return "listen " + l + ": " + l.Protocol.Name() + " is not supported yet (udp and tcp are)";
        }
        return null;
    }
}
