using System.Net;
using System.Net.Sockets;
using Osprey.Core.Rpc;

namespace Osprey.Modules.Jsonrpcs;

/// <summary>
/// JSON-RPC over a Unix datagram socket (jsonrpcs' <c>dgram_socket</c>): one request per datagram, the
/// answer sent back to the sender's bound address. An answer too large for a datagram becomes an error.
/// </summary>
internal sealed class JsonRpcDatagramServer : IAsyncDisposable
{
    private const int MaxDatagram = 200 * 1024;
    private readonly RpcRegistry _registry;
    private readonly string _path;
    private readonly bool _pretty;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _socket;
    private Task? _loop;

    public JsonRpcDatagramServer(RpcRegistry registry, string path, bool pretty)
    {
        _registry = registry;
        _path = path;
        _pretty = pretty;
    }

    public string? Start(UnixFileMode mode)
    {
        try
        {
            if (File.Exists(_path))
                File.Delete(_path);
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            _socket.Bind(new UnixDomainSocketEndPoint(_path));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(_path, mode);
            _socket.SendBufferSize = MaxDatagram + 4096;
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            _socket?.Dispose();
            return "jsonrpcs: cannot listen on datagram socket " + _path + ": " + ex.Message;
        }
        _loop = Loop();
        return null;
    }

    private async Task Loop()
    {
        await Task.Yield();
        var buffer = new byte[65536];
        EndPoint any = new UnixDomainSocketEndPoint("/");
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var r = await _socket!.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
                using var output = new MemoryStream();
                bool answer = JsonRpcDispatcher.Handle(_registry, buffer.AsMemory(0, r.ReceivedBytes).ToArray(), output, _pretty, _stop.Token);
                if (!answer)
                    continue;
                if (output.Length > MaxDatagram)
                {
                    output.SetLength(0);
                    JsonRpcResponseWriter.WriteErrorResponse(output, null, RpcErrorCodes.InternalError, "the answer is too large for a datagram; use the HTTP or FIFO transport", _pretty);
                }
                await _socket.SendToAsync(output.GetBuffer().AsMemory(0, (int)output.Length), SocketFlags.None, r.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // the sender has no bound address or went away; nothing to answer to
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
        _stop.Dispose();
    }
}
