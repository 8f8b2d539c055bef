using System.Runtime.InteropServices;
using Osprey.Core.Rpc;

namespace Osprey.Modules.Jsonrpcs;

/// <summary>
/// JSON-RPC over a named pipe, the way <c>kamctl</c> talks to Kamailio's jsonrpcs: a client writes a
/// request object carrying <c>"reply_name"</c> into the server's FIFO and reads the answer from the FIFO
/// of that name in the reply directory (<c>/tmp/</c> by default). The server's FIFO is created with mode
/// 0660 and opened read-write, so it never sees end-of-file between clients.
/// </summary>
public sealed partial class JsonRpcFifoServer : IAsyncDisposable
{
    private const int MaxRequest = 1024 * 1024;
    private readonly RpcRegistry _registry;
    private readonly string _path;
    private readonly string _replyDir;
    private readonly bool _pretty;
    private readonly CancellationTokenSource _stop = new();
    private FileStream? _fifo;
    private Task? _loop;

    public JsonRpcFifoServer(RpcRegistry registry, string path, string replyDir, bool pretty)
    {
        _registry = registry;
        _path = path;
        _replyDir = replyDir;
        _pretty = pretty;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);

    /// <summary>Creates the FIFO and starts reading; returns an error a user can act on, or null.</summary>
    public string? Start(UnixFileMode mode)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return "jsonrpcs: the FIFO transport needs a Unix system";
        try
        {
            if (File.Exists(_path))
                File.Delete(_path);
            if (MkFifo(_path, (uint)mode) != 0)
                return "jsonrpcs: cannot create FIFO " + _path + ": " + Marshal.GetLastPInvokeErrorMessage();
            File.SetUnixFileMode(_path, mode);
            _fifo = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "jsonrpcs: cannot open FIFO " + _path + ": " + ex.Message;
        }
        _loop = Task.Factory.StartNew(ReadLoop, TaskCreationOptions.LongRunning);
        return null;
    }

    private void ReadLoop()
    {
        var buffer = new byte[16 * 1024];
        int filled = 0;
        var fifo = _fifo!;
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= MaxRequest)
                        filled = 0; // an endless request: drop it
                    else
                        Array.Resize(ref buffer, buffer.Length * 2);
                }
                n = fifo.Read(buffer, filled, buffer.Length - filled);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            if (n <= 0)
            {
                if (_stop.IsCancellationRequested)
                    return;
                Thread.Sleep(10);
                continue;
            }
            filled += n;
            while (filled > 0)
            {
                int frame = JsonFrameScanner.Scan(buffer.AsSpan(0, filled));
                if (frame == 0)
                    break;
                int used = Math.Abs(frame);
                if (frame > 0)
                    Serve(buffer.AsMemory(0, frame).ToArray());
                Buffer.BlockCopy(buffer, used, buffer, 0, filled - used);
                filled -= used;
            }
        }
    }

    private void Serve(byte[] request)
    {
        var parsed = JsonRpcRequest.TryParse(request, out int code, out string message, out string? idJson);
        string? replyName = parsed?.ReplyName ?? TryReplyName(request);
        if (replyName is null || !IsSafeName(replyName))
        {
            Console.Error.WriteLine("osprey: jsonrpcs FIFO request without a usable reply_name; dropped");
            return;
        }
        string replyPath = Path.Combine(_replyDir, replyName);
        try
        {
            // Open only an existing FIFO (never create a file); read-write so opening cannot block.
            using var reply = new FileStream(replyPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
            if (parsed is null)
                JsonRpcResponseWriter.WriteErrorResponse(reply, idJson, code, message, _pretty);
            else
                JsonRpcDispatcher.Handle(_registry, parsed, reply, _pretty, _stop.Token);
            reply.Flush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("osprey: jsonrpcs cannot answer on " + replyPath + ": " + ex.Message);
        }
    }

    private static string? TryReplyName(byte[] request)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(request);
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && doc.RootElement.TryGetProperty("reply_name", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String
                ? r.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>A bare file name: no directory parts, so a client cannot make the server write elsewhere.</summary>
    private static bool IsSafeName(string name) =>
        name.Length is > 0 and < 256 && name.IndexOfAny(['/', '\\', '\0']) < 0 && name is not "." and not "..";

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        // Wake the reader blocked in read() by writing a newline into our own FIFO.
        try
        {
            if (_fifo is not null)
            {
                _fifo.Write("\n"u8);
                _fifo.Flush();
            }
        }
        catch (IOException)
        {
        }
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
        _fifo?.Dispose();
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
