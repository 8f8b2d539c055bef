using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Osprey.Core.Rpc;

namespace Osprey.Modules.Ctl;

/// <summary>
/// Serves binrpc on the ctl sockets so the stock <c>kamcmd</c> works unchanged. Unix sockets are created
/// with mode 0600 (owner only), as Kamailio's ctl does by default; a stale socket file is replaced.
/// Each request runs its command and is answered on the same connection (or to the sender's address).
/// </summary>
internal sealed class CtlServer : IAsyncDisposable
{
    private readonly RpcRegistry _registry;
    private readonly List<(CtlEndpoint Endpoint, Socket Socket)> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly UnixFileMode _mode;
    private int _connections;

    public CtlServer(RpcRegistry registry, UnixFileMode socketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        _registry = registry;
        _mode = socketMode;
    }

    /// <summary>Stream connections open now (<c>ctl.connections</c>).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The configured sockets (<c>ctl.listen</c>).</summary>
    public IReadOnlyList<CtlEndpoint> Endpoints => _sockets.Select(s => s.Endpoint).ToList();

    /// <summary>Registers <c>ctl.listen</c> and <c>ctl.connections</c>.</summary>
    public void RegisterCommands(RpcRegistry registry)
    {
        registry.Register(new RpcCommand("ctl.listen", "Lists the ctl control sockets.", rpc =>
        {
            foreach (var e in Endpoints)
            {
                using var s = rpc.Struct();
                s.Add("proto", e.IsUnix ? (e.IsDatagram ? "unix_dgram" : "unix_stream") : e.Protocol == ProtocolType.Tcp ? "tcp" : "udp");
                s.Add("address", e.Text);
            }
        }, module: "ctl"));
        registry.Register(new RpcCommand("ctl.connections", "Returns the number of open ctl connections.", rpc => rpc.Add(Connections), module: "ctl"));
    }

    /// <summary>The sockets being served (with the real port for <c>tcp:...:0</c>).</summary>
    public IReadOnlyList<EndPoint> LocalEndPoints => _sockets.Select(s => s.Socket.LocalEndPoint!).ToList();

    /// <summary>Binds one more control socket; returns an error a user can act on, or null.</summary>
    public string? Listen(CtlEndpoint endpoint)
    {
        Socket? socket = null;
        try
        {
            if (endpoint.EndPoint is UnixDomainSocketEndPoint ux)
            {
                string path = ux.ToString();
                if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.Directory) == 0)
                    File.Delete(path); // a socket left behind by an earlier run
                socket = new Socket(AddressFamily.Unix, endpoint.SocketType, ProtocolType.Unspecified);
                socket.Bind(ux);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(path, _mode);
            }
            else
            {
                var ip = (IPEndPoint)endpoint.EndPoint;
                socket = new Socket(ip.AddressFamily, endpoint.SocketType, endpoint.Protocol);
                if (endpoint.SocketType == SocketType.Stream)
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(ip);
            }
            if (endpoint.SocketType == SocketType.Stream)
            {
                socket.Listen(16);
                _loops.Add(AcceptLoop(socket));
            }
            else
            {
                _loops.Add(DatagramLoop(socket));
            }
            _sockets.Add((endpoint, socket));
            return null;
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            socket?.Dispose();
            return "ctl: cannot listen on " + endpoint.Text + ": " + ex.Message;
        }
    }

    private async Task AcceptLoop(Socket listener)
    {
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            Socket c;
            try
            {
                c = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeConnection(c));
        }
    }

    private async Task ServeConnection(Socket c)
    {
        var buffer = new byte[8192];
        int filled = 0;
        Interlocked.Increment(ref _connections);
        try
        {
            using (c)
            {
                while (!_stop.IsCancellationRequested)
                {
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= BinRpc.MaxRequestBody + 16)
                            return;
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, BinRpc.MaxRequestBody + 16));
                    }
                    int n = await c.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (n == 0)
                        return;
                    filled += n;
                    while (true)
                    {
                        int frame = BinRpc.FrameLength(buffer.AsSpan(0, filled), BinRpc.MaxRequestBody, out _, out _);
                        if (frame < 0)
                            return; // not binrpc: drop the connection
                        if (frame == 0)
                            break;
                        var reply = Process(buffer.AsSpan(0, frame));
                        if (reply is not null)
                            await c.SendAsync(reply, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                        Buffer.BlockCopy(buffer, frame, buffer, 0, filled - frame);
                        filled -= frame;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the client went away or the server is stopping
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    }

    private async Task DatagramLoop(Socket socket)
    {
        await Task.Yield();
        var buffer = new byte[65536];
        EndPoint any = socket.AddressFamily == AddressFamily.Unix ? new UnixDomainSocketEndPoint("/") : new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
                int frame = BinRpc.FrameLength(buffer.AsSpan(0, r.ReceivedBytes), BinRpc.MaxRequestBody, out _, out _);
                if (frame <= 0)
                    continue;
                var reply = Process(buffer.AsSpan(0, frame));
                if (reply is not null && reply.Length <= 65000)
                    await socket.SendToAsync(reply, SocketFlags.None, r.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // a client that sent and left (unix datagram without a bound address); go on
            }
        }
    }

    /// <summary>Answers one request packet; null when it cannot be answered at all.</summary>
    internal byte[]? Process(ReadOnlySpan<byte> packet)
    {
        var writer = new BinRpcReplyWriter();
        if (!BinRpc.TryParseRequest(packet, out string method, out var ps, out uint cookie, out int cookieLength, out string error))
        {
            if (cookieLength == 0)
                return null;
            return writer.ToPacket(new RpcOutcome(400, error, 0), cookie, cookieLength);
        }
        var outcome = _registry.Invoke(method, ps, writer, _stop.Token);
        if (outcome.Code == RpcErrorCodes.MethodNotFound)
            outcome = new RpcOutcome(500, "command " + method + " not found", 0);
        return writer.ToPacket(outcome, cookie, cookieLength);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var (ep, s) in _sockets)
        {
            s.Dispose();
            if (ep.EndPoint is UnixDomainSocketEndPoint ux)
            {
                try
                {
                    File.Delete(ux.ToString());
                }
                catch (IOException)
                {
                    // already gone
                }
            }
        }
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // do not hang shutdown on a stuck client
        }
        _stop.Dispose();
    }
}
