using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Osprey.Ctl;

/// <summary>The server could not be reached (not running, wrong address, no permission).</summary>
internal sealed class ServerUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server answered with a JSON-RPC error.</summary>
internal sealed class RpcErrorException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

/// <summary>A JSON-RPC 2.0 client over HTTP or the server's Unix datagram socket.</summary>
internal abstract class RpcClient : IDisposable
{
    private int _id;

    public abstract string Address { get; }

    /// <summary>Calls <paramref name="method"/> and returns its result (cloned, safe to keep).</summary>
    public async Task<JsonElement> CallAsync(string method, IReadOnlyList<object?> parameters, CancellationToken ct)
    {
        var request = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["jsonrpc"] = "2.0",
            ["method"] = method,
            ["params"] = parameters,
            ["id"] = Interlocked.Increment(ref _id),
        });
        byte[] answer = await SendAsync(request, ct).ConfigureAwait(false);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(answer);
        }
        catch (JsonException ex)
        {
            throw new ServerUnreachableException("the server at " + Address + " did not answer with JSON: " + ex.Message, ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var err))
            {
                int code = err.TryGetProperty("code", out var c) && c.TryGetInt32(out int ci) ? ci : 0;
                string msg = err.TryGetProperty("message", out var m) ? m.GetString() ?? "" : err.GetRawText();
                throw new RpcErrorException(code, msg);
            }
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("result", out var result))
                throw new ServerUnreachableException("the server at " + Address + " sent no JSON-RPC result");
            return result.Clone();
        }
    }

    protected abstract Task<byte[]> SendAsync(byte[] request, CancellationToken ct);

    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }

    /// <summary>A parameter typed the way kamctl types them: <c>s:text</c>, <c>i:42</c>, else a number when it is one.</summary>
    public static object? ParseParam(string text)
    {
        if (text.StartsWith("s:", StringComparison.Ordinal))
            return text[2..];
        if (text.StartsWith("i:", StringComparison.Ordinal) && long.TryParse(text[2..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long i))
            return i;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            return l;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && text.Contains('.', StringComparison.Ordinal))
            return d;
        return text;
    }
}

internal sealed class HttpRpcClient(Uri url, TimeSpan timeout) : RpcClient
{
    private readonly HttpClient _http = new() { Timeout = timeout };

    public override string Address => url.ToString();

    protected override async Task<byte[]> SendAsync(byte[] request, CancellationToken ct)
    {
        try
        {
            using var content = new ByteArrayContent(request);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var resp = await _http.PostAsync(url, content, ct).ConfigureAwait(false);
            if (!resp.IsSuccessStatusCode)
                throw new ServerUnreachableException($"the server at {url} answered HTTP {(int)resp.StatusCode} {resp.ReasonPhrase}");
            return await resp.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnreachableException($"cannot reach the server at {url}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new ServerUnreachableException($"the server at {url} did not answer within {timeout.TotalSeconds:0} s", ex);
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}

/// <summary>JSON-RPC over the server's jsonrpcs datagram socket; the answer comes back to a private socket.</summary>
internal sealed class UnixDatagramRpcClient(string path, TimeSpan timeout) : RpcClient
{
    public override string Address => "unix:" + path;

    protected override async Task<byte[]> SendAsync(byte[] request, CancellationToken ct)
    {
        string me = Path.Combine(Path.GetTempPath(), "ospreyctl-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            s.Bind(new UnixDomainSocketEndPoint(me));
            s.ReceiveBufferSize = 256 * 1024;
            await s.SendToAsync(request, SocketFlags.None, new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
            var buffer = new byte[256 * 1024];
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            int n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
            return buffer[..n];
        }
        catch (SocketException ex)
        {
            throw new ServerUnreachableException($"cannot reach the server at unix:{path}: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new ServerUnreachableException($"the server at unix:{path} did not answer within {timeout.TotalSeconds:0} s", ex);
        }
        finally
        {
            try
            {
                File.Delete(me);
            }
            catch (IOException)
            {
            }
        }
    }
}

internal static class JsonText
{
    public static string Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => e.GetRawText(),
    };

    public static string Pretty(JsonElement e)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            e.WriteTo(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
