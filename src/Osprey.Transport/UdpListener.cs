using System.Net;
using System.Net.Sockets;

namespace Osprey.Transport;

/// <summary>
/// One UDP listen endpoint served by several receive loops, each on its own thread and (on Linux)
/// its own socket bound to the same port with SO_REUSEPORT, so the kernel spreads datagrams
/// across them. Each datagram is handled to completion on the loop that received it, as
/// Kamailio's UDP children do: no queue between socket and pipeline. On Linux a loop takes a burst
/// of queued datagrams per system call (<see cref="UdpBatchReceiver"/>, <c>recvmmsg</c>) and handles
/// them in arrival order.
/// </summary>
internal sealed class UdpListener : IDisposable
{
    private const int SolSocket = 1;     // SOL_SOCKET on Linux
    private const int SoReusePort = 15;  // SO_REUSEPORT on Linux
    private const int ReceiveBufferSize = 64 * 1024; // above any UDP payload, so oversize is visible

    private readonly Socket[] _sockets;
    private readonly int _loops;
    private readonly Thread[] _threads;
    private readonly CounterSet _counters;
    private readonly int _maxDatagram;
    private readonly int _batch;
    private IInboundHandler? _handler;
    private volatile bool _stopping;

    private UdpListener(ListenEndpoint endpoint, Socket[] sockets, int loops, CounterSet counters, int maxDatagram, int batch)
    {
        Endpoint = endpoint;
        _sockets = sockets;
        _loops = loops;
        _threads = new Thread[loops];
        _counters = counters;
        _maxDatagram = maxDatagram;
        // batches need a socket per loop (SO_REUSEPORT, Linux): a shared socket is read one datagram at a time
        _batch = OperatingSystem.IsLinux() && sockets.Length == loops ? batch : 1;
    }

    public ListenEndpoint Endpoint { get; }

    /// <summary>Binds the sockets (resolving port 0 to a real port). Returns null and a message on failure.</summary>
    public static UdpListener? TryBind(ListenEndpoint endpoint, TransportOptions options, CounterSet counters, out string? error)
    {
        error = null;
        // SO_REUSEPORT gives each loop its own socket and kernel queue. Elsewhere, the loops share one socket.
        int socketCount = OperatingSystem.IsLinux() ? options.UdpReceiveLoops : 1;
        var sockets = new Socket[socketCount];
        var bind = endpoint.Bind;
        try
        {
            for (int i = 0; i < socketCount; i++)
            {
                var s = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                sockets[i] = s;
                if (bind.AddressFamily == AddressFamily.InterNetworkV6)
                    s.DualMode = false; // [::] serves IPv6 only; IPv4 has its own listen line
                int rcvbuf = options.UdpReceiveBufferSize > 0 ? options.UdpReceiveBufferSize : options.SocketReceiveBufferSize;
                if (rcvbuf > 0)
                    s.ReceiveBufferSize = rcvbuf;
                if (socketCount > 1)
                    s.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                s.Bind(bind);
                if (i == 0)
                    bind = (IPEndPoint)s.LocalEndPoint!; // port 0: the others reuse the port the first one got
            }
        }
        catch (SocketException e)
        {
            foreach (var s in sockets)
                s?.Dispose();
            error = "cannot listen on " + endpoint + ": " + e.Message;
            return null;
        }
        endpoint.SetBoundEndPoint(bind);
        return new UdpListener(endpoint, sockets, options.UdpReceiveLoops, counters, options.MaxUdpDatagramSize, options.UdpReceiveBatch);
    }

    public void Start(IInboundHandler handler)
    {
        _handler = handler;
        for (int i = 0; i < _loops; i++)
        {
            var t = _batch > 1
                ? new Thread(BatchReceiveLoop) { IsBackground = true }
                : new Thread(ReceiveLoop) { IsBackground = true };
            t.Name = "osprey-udp-" + Endpoint.Index + "-" + i;
            _threads[i] = t;
            t.Start(_sockets[i % _sockets.Length]);
        }
    }

    private void ReceiveLoop(object? state)
    {
        var socket = (Socket)state!;
        var handler = _handler!;
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
        var from = new SocketAddress(socket.AddressFamily);
        var peers = new PeerAddressCache(socket.AddressFamily);

        while (!_stopping)
        {
            int n;
            try
            {
                n = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e)
            {
                if (_stopping || e.SocketErrorCode == SocketError.OperationAborted || e.SocketErrorCode == SocketError.Interrupted)
                    break;
                // ICMP port unreachable for an earlier send (ConnectionReset) and the like: the
                // socket is still good, keep serving.
                Interlocked.Increment(ref _counters.UdpReceiveErrors);
                continue;
            }
            catch (ObjectDisposedException)
            {
                break;
            }

            if (n == 0)
                continue;
            Interlocked.Increment(ref _counters.UdpDatagramsReceived);
            Deliver(handler, buffer.AsMemory(0, n), peers.Get(from));
        }
    }

    /// <summary>One received datagram to the pipeline, run to completion on this loop's thread.</summary>
    private void Deliver(IInboundHandler handler, Memory<byte> datagram, IPEndPoint source)
    {
        var flags = InboundFlags.None;
        if (datagram.Length > _maxDatagram)
        {
            flags = InboundFlags.Oversize;
            Interlocked.Increment(ref _counters.UdpOversize);
        }

        try
        {
            handler.OnMessage(new InboundMessage(datagram, source, Endpoint, 0, flags));
        }
        catch (Exception)
        {
            // A bug in the pipeline must not take the receive loop down with it.
            Interlocked.Increment(ref _counters.HandlerErrors);
        }
    }

    private void BatchReceiveLoop(object? state)
    {
        var socket = (Socket)state!;
        UdpBatchReceiver receiver;
        try
        {
            receiver = new UdpBatchReceiver(socket, _batch);
        }
        catch (ObjectDisposedException)
        {
            return; // disposed before this loop began
        }

        // the loop owns the receiver: it lets go of the descriptor when the loop ends, which the
        // socket's Dispose waits for
        using (receiver)
            BatchReceive(receiver);
    }

    private void BatchReceive(UdpBatchReceiver receiver)
    {
        var handler = _handler!;
        var from = new SocketAddress(_sockets[0].AddressFamily);
        var peers = new PeerAddressCache(_sockets[0].AddressFamily);

        while (!_stopping)
        {
            int count = receiver.Receive(out int errno);
            if (count <= 0)
            {
                if (_stopping || count == 0)
                    break; // shut down (count 0) or stopping
                // an error queued by an earlier send (ICMP) and the like: the socket is still good
                Interlocked.Increment(ref _counters.UdpReceiveErrors);
                if (UdpBatchReceiver.IsSocketGone(errno))
                    break;
                continue;
            }

            for (int i = 0; i < count; i++)
            {
                var datagram = receiver.Datagram(i);
                if (datagram.Length == 0)
                    continue;
                Interlocked.Increment(ref _counters.UdpDatagramsReceived);
                receiver.SourceAddress(i, from);
                Deliver(handler, datagram, peers.Get(from));
            }
        }
    }

    /// <summary>Sends one datagram from this listener's port.</summary>
    public SendResult Send(SocketAddress destination, ReadOnlySpan<byte> data)
    {
        try
        {
            _sockets[0].SendTo(data, SocketFlags.None, destination);
            return SendResult.Sent;
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _counters.UdpSendErrors);
            return SendResult.Failed;
        }
        catch (ObjectDisposedException)
        {
            return SendResult.Failed;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        if (_batch > 1)
        {
            // wakes a loop blocked in recvmmsg (closing the descriptor would not); the loop then lets go
            // of the descriptor, which Dispose below waits for
            foreach (var s in _sockets)
                UdpBatchReceiver.ShutdownReceive(s);
        }
        foreach (var s in _sockets)
            s.Dispose();
        foreach (var t in _threads)
        {
            if (t is not null && t != Thread.CurrentThread)
                t.Join(TimeSpan.FromSeconds(5));
        }
    }
}
