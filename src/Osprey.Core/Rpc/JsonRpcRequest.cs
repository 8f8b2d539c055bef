using System.Text.Json;

namespace Osprey.Core.Rpc;

/// <summary>A decoded JSON-RPC 2.0 request (positional parameters only, as Kamailio's commands take).</summary>
public sealed class JsonRpcRequest
{
    private JsonRpcRequest(string method, RpcParam[] parameters, string? idJson, bool isNotification, string? replyName)
    {
        Method = method;
        Params = parameters;
        IdJson = idJson;
        IsNotification = isNotification;
        ReplyName = replyName;
    }

    public string Method { get; }
    public IReadOnlyList<RpcParam> Params { get; }

    /// <summary>The id as JSON text, or null when it is null or absent.</summary>
    public string? IdJson { get; }

    /// <summary>No id member: JSON-RPC 2.0 §4.1 says the server must not answer.</summary>
    public bool IsNotification { get; }

    /// <summary>Kamailio's FIFO extension: the name of the FIFO the answer is written to.</summary>
    public string? ReplyName { get; }

    /// <summary>
    /// Decodes a request. On failure returns null with the error code and message to answer with, and
    /// the id when one could be read (JSON-RPC 2.0 §5: null when it could not).
    /// </summary>
    public static JsonRpcRequest? TryParse(ReadOnlyMemory<byte> body, out int errorCode, out string errorMessage, out string? idJson)
    {
        errorCode = 0;
        errorMessage = "";
        idJson = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            errorCode = RpcErrorCodes.ParseError;
            errorMessage = "Parse error: " + ex.Message;
            return null;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errorCode = RpcErrorCodes.InvalidRequest;
                errorMessage = root.ValueKind == JsonValueKind.Array ? "Invalid Request: batch requests are not supported" : "Invalid Request: not an object";
                return null;
            }
            bool hasId = root.TryGetProperty("id", out var id);
            if (hasId)
            {
                if (id.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                {
                    idJson = id.GetRawText();
                }
                else if (id.ValueKind != JsonValueKind.Null)
                {
                    errorCode = RpcErrorCodes.InvalidRequest;
                    errorMessage = "Invalid Request: id must be a string, a number or null";
                    return null;
                }
            }
            if (!root.TryGetProperty("jsonrpc", out var v) || v.ValueKind != JsonValueKind.String || v.GetString() != "2.0")
            {
                errorCode = RpcErrorCodes.InvalidRequest;
                errorMessage = "Invalid Request: \"jsonrpc\" must be \"2.0\"";
                return null;
            }
            if (!root.TryGetProperty("method", out var m) || m.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(m.GetString()))
            {
                errorCode = RpcErrorCodes.InvalidRequest;
                errorMessage = "Invalid Request: \"method\" must be a non-empty string";
                return null;
            }
            string? replyName = null;
            if (root.TryGetProperty("reply_name", out var rn) && rn.ValueKind == JsonValueKind.String)
                replyName = rn.GetString();
            RpcParam[] ps = [];
            if (root.TryGetProperty("params", out var p))
            {
                switch (p.ValueKind)
                {
                    case JsonValueKind.Array:
                        ps = new RpcParam[p.GetArrayLength()];
                        int i = 0;
                        foreach (var e in p.EnumerateArray())
                            ps[i++] = Convert(e);
                        break;
                    case JsonValueKind.Object:
                        errorCode = RpcErrorCodes.InvalidParams;
                        errorMessage = "Invalid params: parameters by name are not supported; send an array";
                        return null;
                    case JsonValueKind.Null:
                        break;
                    default:
                        errorCode = RpcErrorCodes.InvalidRequest;
                        errorMessage = "Invalid Request: \"params\" must be an array";
                        return null;
                }
            }
            return new JsonRpcRequest(m.GetString()!, ps, idJson, !hasId, replyName);
        }
    }

    private static RpcParam Convert(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => RpcParam.FromString(e.GetString()!),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? RpcParam.FromInt(l) : RpcParam.FromDouble(e.GetDouble()),
        JsonValueKind.True => RpcParam.FromBool(true),
        JsonValueKind.False => RpcParam.FromBool(false),
        JsonValueKind.Null => RpcParam.Null,
        _ => RpcParam.FromJson(e.GetRawText()),
    };
}

/// <summary>
/// Serves one JSON-RPC 2.0 request from bytes to a response stream; shared by the HTTP, datagram and
/// FIFO transports. Every failure is a JSON-RPC error answer, never an exception.
/// </summary>
public static class JsonRpcDispatcher
{
    /// <summary>Handles a request; returns false when nothing was written (a notification).</summary>
    public static bool Handle(RpcRegistry registry, ReadOnlyMemory<byte> body, Stream output, bool pretty, CancellationToken aborted = default)
    {
        var request = JsonRpcRequest.TryParse(body, out int code, out string message, out string? idJson);
        if (request is null)
        {
            JsonRpcResponseWriter.WriteErrorResponse(output, idJson, code, message, pretty);
            return true;
        }
        return Handle(registry, request, output, pretty, aborted);
    }

    /// <summary>Runs an already decoded request.</summary>
    public static bool Handle(RpcRegistry registry, JsonRpcRequest request, Stream output, bool pretty, CancellationToken aborted = default)
    {
        if (request.IsNotification)
        {
            registry.Invoke(request.Method, request.Params, NullSink.Instance, aborted);
            return false;
        }
        using var writer = new JsonRpcResponseWriter(output, request.IdJson, pretty);
        var outcome = registry.Invoke(request.Method, request.Params, writer, aborted);
        writer.Complete(outcome);
        return true;
    }

    private sealed class NullSink : RpcValueSink
    {
        public static readonly NullSink Instance = new();
        public override void BeginStruct(string? name) { }
        public override void EndStruct() { }
        public override void BeginArray(string? name) { }
        public override void EndArray() { }
        public override void String(string? name, string? value) { }
        public override void Int(string? name, long value) { }
        public override void Double(string? name, double value) { }
        public override void Bool(string? name, bool value) { }
    }
}
