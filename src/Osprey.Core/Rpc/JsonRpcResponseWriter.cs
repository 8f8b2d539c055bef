using System.Text.Encodings.Web;
using System.Text.Json;

namespace Osprey.Core.Rpc;

/// <summary>
/// Writes one JSON-RPC 2.0 response to a stream while the handler runs. A result of several top-level
/// values becomes an array (Kamailio's jsonrpcs does the same); to know which, the first top-level value
/// is held back (as recorded operations) until a second one starts, the handler ends, or it grows past
/// <see cref="LookaheadLimit"/> operations, after which everything streams straight to the output and is
/// flushed every <see cref="FlushThreshold"/> bytes.
/// </summary>
public sealed class JsonRpcResponseWriter : RpcValueSink, IDisposable
{
    /// <summary>Operations of the first top-level value held back before committing to a single-value result.</summary>
    public const int LookaheadLimit = 4096;

    /// <summary>Bytes buffered before they are pushed to the output stream.</summary>
    public const int FlushThreshold = 32 * 1024;

    private static readonly JsonEncodedText JsonRpc = JsonEncodedText.Encode("jsonrpc");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("2.0");
    private static readonly JsonEncodedText ResultName = JsonEncodedText.Encode("result");

    private readonly Utf8JsonWriter _json;
    private readonly string? _idJson;
    private readonly List<Op> _ops = [];
    private Mode _mode;
    private int _depth;
    private int _topLevel;

    private enum Mode { Pending, Single, Array }
    private enum OpKind { BeginStruct, EndStruct, BeginArray, EndArray, String, Int, Double, Bool }
    private readonly record struct Op(OpKind Kind, string? Name, string? Text, long Int, double Real);

    /// <param name="output">Where the response goes.</param>
    /// <param name="idJson">The request's id as JSON text (<c>1</c>, <c>"a"</c>), or null for <c>null</c>.</param>
    /// <param name="pretty">Indent with tabs, as Kamailio's <c>pretty_format</c>.</param>
    public JsonRpcResponseWriter(Stream output, string? idJson, bool pretty)
    {
        _idJson = idJson;
        _json = new Utf8JsonWriter(output, new JsonWriterOptions
        {
            Indented = pretty,
            IndentCharacter = '\t',
            IndentSize = 1,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            SkipValidation = false,
        });
    }

    public override void BeginStruct(string? name) => Do(new Op(OpKind.BeginStruct, name, null, 0, 0));
    public override void EndStruct() => Do(new Op(OpKind.EndStruct, null, null, 0, 0));
    public override void BeginArray(string? name) => Do(new Op(OpKind.BeginArray, name, null, 0, 0));
    public override void EndArray() => Do(new Op(OpKind.EndArray, null, null, 0, 0));
    public override void String(string? name, string? value) => Do(new Op(OpKind.String, name, value, 0, 0));
    public override void Int(string? name, long value) => Do(new Op(OpKind.Int, name, null, value, 0));
    public override void Double(string? name, double value) => Do(new Op(OpKind.Double, name, null, 0, value));
    public override void Bool(string? name, bool value) => Do(new Op(OpKind.Bool, name, null, value ? 1 : 0, 0));

    private void Do(in Op op)
    {
        bool starts = _depth == 0 && op.Kind is not (OpKind.EndStruct or OpKind.EndArray);
        if (starts)
            _topLevel++;
        _depth += op.Kind switch { OpKind.BeginStruct or OpKind.BeginArray => 1, OpKind.EndStruct or OpKind.EndArray => -1, _ => 0 };
        if (_mode == Mode.Pending)
        {
            if (starts && _topLevel == 2)
            {
                WriteHead();
                _json.WriteStartArray();
                Replay();
                _mode = Mode.Array;
            }
            else
            {
                _ops.Add(op);
                if (_ops.Count > LookaheadLimit)
                {
                    WriteHead();
                    Replay();
                    _mode = Mode.Single;
                }
                return;
            }
        }
        else if (_mode == Mode.Single && starts)
        {
            throw new InvalidOperationException("RPC result: a second top-level value after a large first one; wrap the values in an array");
        }
        Write(op);
        if (_json.BytesPending > FlushThreshold)
            _json.Flush();
    }

    private void Replay()
    {
        foreach (var o in _ops)
            Write(o);
        _ops.Clear();
    }

    private void Write(in Op op)
    {
        if (op.Name is not null && op.Kind is not (OpKind.EndStruct or OpKind.EndArray))
            _json.WritePropertyName(op.Name);
        switch (op.Kind)
        {
            case OpKind.BeginStruct: _json.WriteStartObject(); break;
            case OpKind.EndStruct: _json.WriteEndObject(); break;
            case OpKind.BeginArray: _json.WriteStartArray(); break;
            case OpKind.EndArray: _json.WriteEndArray(); break;
            case OpKind.String: if (op.Text is null) _json.WriteNullValue(); else _json.WriteStringValue(op.Text); break;
            case OpKind.Int: _json.WriteNumberValue(op.Int); break;
            case OpKind.Double:
                if (double.IsFinite(op.Real)) _json.WriteNumberValue(op.Real);
                else _json.WriteNullValue();
                break;
            case OpKind.Bool: _json.WriteBooleanValue(op.Int != 0); break;
        }
    }

    private void WriteHead()
    {
        _json.WriteStartObject();
        _json.WriteString(JsonRpc, Version);
        _json.WritePropertyName(ResultName);
    }

    private void WriteId()
    {
        _json.WritePropertyName("id");
        if (_idJson is null) _json.WriteNullValue();
        else _json.WriteRawValue(_idJson, skipInputValidation: true);
    }

    /// <summary>Ends the response after the handler returned with <paramref name="outcome"/>, and flushes.</summary>
    public void Complete(RpcOutcome outcome)
    {
        if (outcome.Ok)
        {
            switch (_mode)
            {
                case Mode.Pending:
                    WriteHead();
                    if (_ops.Count == 0) _json.WriteNullValue();
                    else Replay();
                    break;
                case Mode.Array:
                    _json.WriteEndArray();
                    break;
            }
            WriteId();
            _json.WriteEndObject();
        }
        else if (_mode == Mode.Pending)
        {
            _ops.Clear();
            WriteError(_json, outcome.Code, outcome.Message);
            WriteId();
            _json.WriteEndObject();
        }
        else
        {
            // Part of the result is already out (the registry closed what the handler left open):
            // finish it so the client can still parse it, and carry the error beside it.
            if (_mode == Mode.Array) _json.WriteEndArray();
            _json.WritePropertyName("error");
            _json.WriteStartObject();
            _json.WriteNumber("code", outcome.Code);
            _json.WriteString("message", outcome.Message);
            _json.WriteEndObject();
            WriteId();
            _json.WriteEndObject();
        }
        _json.Flush();
    }

    /// <summary>Writes a complete error response (used for requests that never reach a handler).</summary>
    public static void WriteErrorResponse(Stream output, string? idJson, int code, string message, bool pretty)
    {
        using var w = new JsonRpcResponseWriter(output, idJson, pretty);
        w.Complete(new RpcOutcome(code, message, 0));
    }

    private static void WriteError(Utf8JsonWriter json, int code, string message)
    {
        json.WriteStartObject();
        json.WriteString(JsonRpc, Version);
        json.WritePropertyName("error");
        json.WriteStartObject();
        json.WriteNumber("code", code);
        json.WriteString("message", message);
        json.WriteEndObject();
    }

    public void Dispose() => _json.Dispose();
}
