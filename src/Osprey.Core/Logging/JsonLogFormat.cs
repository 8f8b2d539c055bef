using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Osprey.Core.Logging;

/// <summary>
/// Kamailio 5.6's JSON log engine (<c>log_engine_type="json"</c>, <c>--log-engine=json:DATA</c>): one JSON
/// document per line with the fields <c>idx</c>, <c>pid</c>, <c>level</c>, <c>module</c>, <c>file</c>,
/// <c>line</c>, <c>function</c>, <c>logprefix</c>, <c>message</c>. The data letters: <c>a</c> add the prefix
/// (default), <c>A</c> leave it out, <c>c</c> add the Call-ID, <c>j</c> prefix and message as JSON objects
/// (kept as they are when they look like one, else <c>{"text": ...}</c>), <c>M</c> strip the message's end of
/// line, <c>N</c> no end of line after the document, <c>p</c> the prefix is written as it is into the root
/// object (it starts with a comma).
/// </summary>
public sealed class JsonLogFormat
{
    private readonly bool _noPrefix, _callId, _json, _stripEol, _noEol, _rawPrefix;

    public JsonLogFormat(string? data)
    {
        data ??= "";
        _noPrefix = data.Contains('A', StringComparison.Ordinal);
        _callId = data.Contains('c', StringComparison.Ordinal);
        _json = data.Contains('j', StringComparison.Ordinal);
        _stripEol = data.Contains('M', StringComparison.Ordinal);
        _noEol = data.Contains('N', StringComparison.Ordinal);
        _rawPrefix = data.Contains('p', StringComparison.Ordinal);
    }

    public bool WantsCallId => _callId;

    /// <summary>Whether the document ends with a newline (no <c>N</c>).</summary>
    public bool EndOfLine => !_noEol;

    public string Format(in LogEntry e)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("idx", 0);
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteString("level", LogLevels.Name(e.Level));
            w.WriteString("module", e.Module == "script" ? "xlog" : e.Module); // as Kamailio names script lines
            w.WriteString("file", "");
            w.WriteNumber("line", 0);
            w.WriteString("function", "");
            if (_callId && e.CallId is not null) w.WriteString("callid", e.CallId);
            if (!_noPrefix && !_rawPrefix) Field(w, "logprefix", e.Prefix);
            var message = e.Message;
            if (_stripEol) message = message.TrimEnd('\n', '\r');
            Field(w, "message", message);
            w.WriteEndObject();
        }
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (!_noPrefix && _rawPrefix && e.Prefix.StartsWith(',')) text = text[..^1] + e.Prefix + "}";
        return text;
    }

    private void Field(Utf8JsonWriter w, string name, string value)
    {
        if (!_json)
        {
            w.WriteString(name, value);
            return;
        }
        var t = value.Trim();
        if (t.Length >= 2 && t[0] == '{' && t[^1] == '}' && IsJsonObject(t))
        {
            w.WritePropertyName(name);
            w.WriteRawValue(t, skipInputValidation: true);
            return;
        }
        w.WriteStartObject(name);
        w.WriteString("text", value);
        w.WriteEndObject();
    }

    private static bool IsJsonObject(string text)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
        try
        {
            return JsonDocument.TryParseValue(ref reader, out var doc) && doc!.RootElement.ValueKind == JsonValueKind.Object && Dispose(doc);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Dispose(JsonDocument doc)
    {
        doc.Dispose();
        return true;
    }
}
