using System.Runtime.InteropServices;
using Osprey.Core.Rpc;

namespace Osprey.Modules.Jsonrpcs;

/// <summary>
/// JSON-RPC over a named pipe, the way <c>kamctl</c> talks to Kamailio's jsonrpcs: a client writes a
/// request object carrying <c>"reply_name"</c> into the server's FIFO and reads the answer from the FIFO
/// of that name in the reply directory (<c>/tmp/</c> by default). The server's FIFO is created with mode
/// 0660 and opened read-write, so it never sees end-of-file between clients.
/// </summary>
internal sealed partial class JsonRpcFifoServer : IAsyncDisposable
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
            Osprey.Core.Logging.Logger.Process.Error("jsonrpcs", "FIFO request without a usable reply_name; dropped");
            return;
        }
        string replyPath = Path.Combine(_replyDir, replyName);
        var reply = OpenReply(replyPath);
        if (reply is null)
            return;
        try
        {
            using (reply)
            {
                if (parsed is null)
                    JsonRpcResponseWriter.WriteErrorResponse(reply, idJson, code, message, _pretty);
                else
                    JsonRpcDispatcher.Handle(_registry, parsed, reply, _pretty, _stop.Token);
                reply.Flush();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Osprey.Core.Logging.Logger.Process.Error("jsonrpcs", "cannot answer on " + replyPath + ": " + ex.Message);
        }
    }

    /// <summary>
    /// Opens the client's reply FIFO for writing. That waits until the client has it open for reading
    /// (so nothing written is lost); a client that never comes is given up after a few seconds by
    /// opening the FIFO for reading ourselves, which releases the waiting open.
    /// </summary>
    private static FileStream? OpenReply(string replyPath)
    {
        // FileMode.Open: an existing FIFO only, never a new file.
        var open = Task.Run(() => new FileStream(replyPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None));
        try
        {
            if (open.Wait(TimeSpan.FromSeconds(5)))
                return open.Result;
        }
        catch (AggregateException ex)
        {
            Osprey.Core.Logging.Logger.Process.Error("jsonrpcs", "cannot open reply FIFO " + replyPath + ": " + ex.InnerException?.Message);
            return null;
        }
        try
        {
            using var release = new FileStream(replyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            open.Wait(TimeSpan.FromSeconds(1));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AggregateException)
        {
        }
        if (open.IsCompletedSuccessfully)
            open.Result.Dispose();
        Osprey.Core.Logging.Logger.Process.Error("jsonrpcs", "reply FIFO " + replyPath + " has no reader; answer dropped");
        return null;
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
