using System.Net;
using System.Net.Sockets;

namespace Osprey.Transport;

/// <summary>
/// Owns every socket Osprey listens and sends on. Built from <see cref="TransportOptions"/>,
/// started with the pipeline's <see cref="IInboundHandler"/> (the pipeline may hold this host as
/// its <see cref="ISipSender"/> before it is started). UDP datagrams are handled on dedicated
/// receive threads, TCP messages on each connection's task; both call the handler synchronously.
/// </summary>
public sealed class TransportHost : ISipSender, IAsyncDisposable
{
    private readonly TransportOptions _options;
    private readonly CounterSet _counters = new();
    private readonly SendAddressCache _sendAddresses = new();
    private UdpListener?[] _udpByIndex = [];
    private UdpListener? _udp4;
    private UdpListener? _udp6;
    private ListenEndpoint? _tcp4;
    private ListenEndpoint? _tcp6;
    private readonly List<UdpListener> _udp = [];
    private readonly List<TcpAcceptor> _acceptors = [];
    private TcpConnectionTable? _tcp;
    private int _state; // 0 new, 1 started, 2 disposed

    public TransportHost(TransportOptions options)
    {
        _options = options;
    }

    /// <summary>The listen sockets, with real ports once started.</summary>
    public IReadOnlyList<ListenEndpoint> Listeners => _options.Listen;

    /// <summary>Open TCP connections beyond which new ones are refused (<c>tcp_max_connections</c>).</summary>
    public int TcpMaxConnections => _options.TcpMaxConnections;

    /// <summary>
    /// Binds every listen socket and starts receiving. On failure nothing stays open and
    /// <paramref name="error"/> says which socket failed and why.
    /// </summary>
    public bool TryStart(IInboundHandler handler, out string? error)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            error = "the transport was already started";
            return false;
        }
        error = _options.Validate();
        if (error is not null)
            return false;

        _tcp = new TcpConnectionTable(_options, _counters, handler);
        _udpByIndex = new UdpListener?[_options.Listen.Count];
        for (int i = 0; i < _options.Listen.Count; i++)
        {
            var ep = _options.Listen[i];
            ep.Index = i;
            bool v6 = ep.Bind.AddressFamily == AddressFamily.InterNetworkV6;
            if (ep.Protocol == SipProtocol.Udp)
            {
                var l = UdpListener.TryBind(ep, _options, _counters, out error);
                if (l is null)
                    break;
                _udp.Add(l);
                _udpByIndex[i] = l;
                if (v6)
                    _udp6 ??= l;
                else
                    _udp4 ??= l;
            }
            else
            {
                var a = TcpAcceptor.TryBind(ep, _options, _tcp, out error);
                if (a is null)
                    break;
                _acceptors.Add(a);
                if (v6)
                    _tcp6 ??= ep;
                else
                    _tcp4 ??= ep;
            }
        }

        if (error is not null)
        {
            foreach (var l in _udp)
                l.Dispose();
            foreach (var a in _acceptors)
                a.Dispose();
            _tcp.Dispose();
            _udp.Clear();
            _acceptors.Clear();
            Volatile.Write(ref _state, 2);
            return false;
        }

        foreach (var l in _udp)
            l.Start(handler);
        foreach (var a in _acceptors)
            a.Start();
        return true;
    }

    /// <inheritdoc />
    public SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false)
    {
        if (Volatile.Read(ref _state) != 1)
            return SendResult.Failed;
        if (protocol == SipProtocol.Udp)
            return SendUdp(destination, data, from);
        if (protocol == SipProtocol.Tcp)
            return SendTcp(destination, data, from, connectionId, noConnect);
        return SendResult.Failed;
    }

    private SendResult SendUdp(IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from)
    {
        UdpListener? l = null;
        if (from is not null && (uint)from.Index < (uint)_udpByIndex.Length)
            l = _udpByIndex[from.Index];
        if (l is null || l.Endpoint.Bind.AddressFamily != destination.AddressFamily)
            l = destination.AddressFamily == AddressFamily.InterNetworkV6 ? _udp6 : _udp4;
        if (l is null)
            return SendResult.Failed;
        return l.Send(_sendAddresses.Get(destination), data);
    }

    private SendResult SendTcp(IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from, long connectionId, bool noConnect)
    {
        var table = _tcp!;
        TcpConnection? c = null;
        if (connectionId != 0)
            c = table.Find(connectionId);
        c ??= table.Find(destination);
        if (c is null)
        {
            if (noConnect)
                return SendResult.NoConnection;
            var listener = from is not null && from.Protocol == SipProtocol.Tcp && from.Bind.AddressFamily == destination.AddressFamily
                ? from
                : destination.AddressFamily == AddressFamily.InterNetworkV6 ? _tcp6 : _tcp4;
            if (listener is null)
                return SendResult.Failed;
            c = table.GetOrConnect(destination, listener);
            if (c is null)
                return SendResult.Failed; // tcp_max_connections reached
        }
        return c.Send(data);
    }

    /// <summary>
    /// Closes a stream connection once what was already sent on it is out (Kamailio's
    /// <c>set_reply_close</c>, <c>tcp_close</c>). False when no such connection is open.
    /// </summary>
    public bool CloseConnection(long connectionId)
    {
        var c = _tcp?.Find(connectionId);
        if (c is null)
            return false;
        c.CloseGracefully();
        return true;
    }

    /// <summary>The open stream connections, ordered by id (for <c>core.tcp_info</c>).</summary>
    public IReadOnlyList<TcpConnectionInfo> GetConnections() =>
        _tcp is null ? [] : _tcp.Snapshot();

    /// <summary>A snapshot of the counters.</summary>
    public TransportCounters GetCounters() => _counters.Snapshot(_tcp?.Count ?? 0);

    /// <summary>Stops listening, closes every connection and waits for the receive loops to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
            return;
        foreach (var a in _acceptors)
            await a.StopAsync().ConfigureAwait(false);
        if (_tcp is not null)
        {
            var tasks = _tcp.CloseAll();
            try
            {
                await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A handler stuck in a call; the sockets are closed, do not hang shutdown on it.
            }
        }
        foreach (var l in _udp)
            l.Dispose();
    }
}
