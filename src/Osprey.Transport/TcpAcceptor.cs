using System.Net;
using System.Net.Sockets;

namespace Osprey.Transport;

/// <summary>A TCP listen socket and its accept loop.</summary>
internal sealed class TcpAcceptor : IDisposable
{
    private readonly Socket _socket;
    private readonly TcpConnectionTable _table;
    private readonly int _receiveBufferSize;
    private volatile bool _stopping;
    private Task _loop = Task.CompletedTask;

    private TcpAcceptor(ListenEndpoint endpoint, Socket socket, TcpConnectionTable table, int receiveBufferSize)
    {
        Endpoint = endpoint;
        _socket = socket;
        _table = table;
        _receiveBufferSize = receiveBufferSize;
    }

    public ListenEndpoint Endpoint { get; }

    public static TcpAcceptor? TryBind(ListenEndpoint endpoint, TransportOptions options, TcpConnectionTable table, out string? error)
    {
        error = null;
        var s = new Socket(endpoint.Bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Bind.AddressFamily == AddressFamily.InterNetworkV6)
                s.DualMode = false;
            // SO_REUSEADDR: a restart must not fail on connections in TIME_WAIT.
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (options.SocketReceiveBufferSize > 0)
                s.ReceiveBufferSize = options.SocketReceiveBufferSize;
            s.Bind(endpoint.Bind);
            // The largest backlog the system allows (net.core.somaxconn): thousands of clients
            // reconnecting at once after a restart must queue, not be dropped and retry in seconds.
            s.Listen();
        }
        catch (SocketException e)
        {
            s.Dispose();
            error = "cannot listen on " + endpoint + ": " + e.Message;
            return null;
        }
        endpoint.SetBoundEndPoint((IPEndPoint)s.LocalEndPoint!);
        return new TcpAcceptor(endpoint, s, table, options.SocketReceiveBufferSize);
    }

    public void Start() => _loop = AcceptLoopAsync();

    private async Task AcceptLoopAsync()
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException) when (_stopping)
            {
                break;
            }
            catch (SocketException)
            {
                // Out of descriptors and the like: back off a little instead of spinning.
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }

            if (!_table.TryReserve())
            {
                // tcp_max_connections reached: refuse by closing at once.
                client.Dispose();
                continue;
            }

            try
            {
                client.NoDelay = true;
                client.Blocking = false; // sends never block the pipeline (see TcpConnection.Send)
                if (_receiveBufferSize > 0)
                    client.ReceiveBufferSize = _receiveBufferSize;
                var c = TcpConnection.Accepted(_table.NextId(), client, Endpoint, _table);
                _table.Add(c);
                c.Start();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The peer went away between accept and set-up.
                client.Dispose();
                _table.Release();
            }
        }
    }

    public async Task StopAsync()
    {
        _stopping = true;
        _socket.Dispose();
        await _loop.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stopping = true;
        _socket.Dispose();
    }
}
