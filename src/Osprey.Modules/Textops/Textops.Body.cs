using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Osprey.Sip.Multipart;
using Osprey.Sip.Text;

namespace Osprey.Modules.Textops;

public sealed partial class Textops
{
    /// <summary><c>has_body()</c>: the message has a non-empty body.</summary>
    [Function("has_body", Rofb)]
    public int HasBody(MessageContext ctx) => ctx.Message.BodyLength > 0 && ctx.Message.ContentLength != 0 ? True : False;

    /// <summary><c>has_body(mime)</c>: ... and its Content-Type is <paramref name="mime"/> (type/subtype, any case).</summary>
    [Function("has_body", Rofb)]
    public int HasBody(MessageContext ctx, string mime)
    {
        if (HasBody(ctx) < 0) return False;
        if (string.IsNullOrEmpty(mime) || mime == "0") return True;
        var ct = MediaType(ctx.Message.ValueOf(HeaderId.ContentType));
        var want = HeaderNameMatch.Bytes(mime, stackalloc byte[128]);
        return SipChars.EqualsIgnoreCase(ct, SipChars.Trim(want)) ? True : False;
    }

    /// <summary>type/subtype of a Content-Type value, without parameters and blanks.</summary>
    internal static ReadOnlySpan<byte> MediaType(ReadOnlySpan<byte> contentType)
    {
        int semi = contentType.IndexOf((byte)';');
        return SipChars.Trim(semi < 0 ? contentType : contentType[..semi]);
    }

    /// <summary><c>set_body(txt, content_type)</c>: replaces the body and its Content-Type.</summary>
    [Function("set_body", Rofb)]
    public int SetBody(MessageContext ctx, string body, string contentType)
    {
        var m = ctx.Message;
        for (int i = m.IndexOf(HeaderId.ContentType); i >= 0; i = m.NextIndexOf(HeaderId.ContentType, i)) ctx.Editor.RemoveHeader(i);
        var e = ctx.Editor;
        e.BeginInsert(m.HeadersEnd);
        e.Write("Content-Type: "u8);
        using (var ct = new Utf8Text(contentType)) e.Write(ct.Bytes);
        e.Write("\r\n"u8);
        e.EndInsert();
        using var b = new Utf8Text(body);
        e.ReplaceBody(b.Bytes);
        return True;
    }

    /// <summary><c>set_reply_body(txt, content_type)</c>: the body of the next locally generated reply.</summary>
    [Function("set_reply_body", Rfb)]
    public int SetReplyBody(MessageContext ctx, string body, string contentType)
    {
        if (!ctx.Message.IsRequest) return False;
        ctx.ReplyBody = body;
        ctx.ReplyContentType = contentType;
        return True;
    }

    /// <summary><c>append_to_reply(txt)</c>: header text (ending in CRLF) for the next locally generated reply
    /// (<see cref="MessageContext.ReplyHeaders"/>).</summary>
    [Function("append_to_reply", Rfb | RouteTypes.Event)]
    public int AppendToReply(MessageContext ctx, string text)
    {
        ctx.AppendReplyHeaders(text);
        return True;
    }

    /// <summary><c>append_time()</c>: a Date header (RFC 3261 §20.17, GMT) for the next local reply.</summary>
    [Function("append_time", Rfb)]
    public int AppendTime(MessageContext ctx)
    {
        Span<byte> line = stackalloc byte[64];
        ctx.AppendReplyHeaders(line[..DateLine(DateTime.UtcNow, line)]);
        return True;
    }

    /// <summary><c>append_time_to_request()</c>: a Date header appended to the message itself.</summary>
    [Function("append_time_to_request", Rofb)]
    public int AppendTimeToRequest(MessageContext ctx)
    {
        Span<byte> line = stackalloc byte[64];
        ctx.Editor.Insert(ctx.Message.HeadersEnd, line[..DateLine(DateTime.UtcNow, line)]);
        return True;
    }

    internal static int DateLine(DateTime utc, Span<byte> dst)
    {
        // "Date: Mon, 23 Nov 2026 18:30:00 GMT\r\n" (RFC 1123 date, as RFC 3261 §20.17 asks)
        Span<char> c = stackalloc char[64];
        utc.TryFormat(c, out int n, "'Date: 'ddd, dd MMM yyyy HH:mm:ss 'GMT'\r\n", CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetBytes(c[..n], dst);
    }

    /// <summary><c>filter_body(content_type)</c>: keeps only the first part of that type of a multipart
    /// body (its content, without the part's headers).</summary>
    [Function("filter_body", Rofb)]
    public int FilterBody(MessageContext ctx, string contentType)
    {
        var m = ctx.Message;
        var ct = m.ValueOf(HeaderId.ContentType);
        if (m.BodyLength == 0 || !MultipartBody.IsMultipart(ct)) return False;
        if (!MultipartBody.TryGetBoundary(ct, out var boundary, out _)) return False;
        var body = m.Body;
        var want = SipChars.Trim(HeaderNameMatch.Bytes(contentType, stackalloc byte[128]));
        var reader = new MultipartReader(body, boundary);
        while (reader.TryReadNext(out var part))
        {
            if (!part.TryGetContentType(body, out var pct) || !SipChars.EqualsIgnoreCase(MediaType(pct), want)) continue;
            ctx.Editor.ReplaceBody(body[part.Body]);
            return True;
        }
        return False;
    }

    /// <summary><c>append_body_part(txt, content_type)</c>.</summary>
    [Function("append_body_part", Rfb)]
    public int AppendBodyPart(MessageContext ctx, string text, string contentType) => AppendBodyPart(ctx, text, contentType, null);

    /// <summary><c>append_body_part(txt, content_type, content_disposition)</c>: adds a part at the end of a
    /// multipart body, with the message's boundary, just before the closing delimiter (as Kamailio 5.6
    /// does; a body that is not multipart is refused — false — as there). The part is an insert into the
    /// received body, so several calls add several parts even without <c>msg_apply_changes()</c>;
    /// Content-Length follows.</summary>
    [Function("append_body_part", Rfb)]
    public int AppendBodyPart(MessageContext ctx, string text, string contentType, string? disposition)
    {
        var m = ctx.Message;
        var ct = m.ValueOf(HeaderId.ContentType);
        if (m.BodyLength == 0 || !MultipartBody.IsMultipart(ct) || !MultipartBody.TryGetBoundary(ct, out var boundary, out _)) return False;
        var body = m.Body;
        // the closing delimiter "--boundary--" (RFC 2046 §5.1.1): the new part goes in front of it
        Span<byte> close = stackalloc byte[boundary.Length + 4];
        "--"u8.CopyTo(close);
        boundary.CopyTo(close[2..]);
        "--"u8.CopyTo(close[(2 + boundary.Length)..]);
        int at = body.LastIndexOf(close);
        if (at < 0) return False;
        var e = ctx.Editor;
        e.BeginInsert(m.BodyStart + at);
        e.Write("--"u8);
        e.Write(boundary);
        e.Write("\r\nContent-Type: "u8);
        using (var t = new Utf8Text(contentType)) e.Write(t.Bytes);
        e.Write("\r\n"u8);
        if (!string.IsNullOrEmpty(disposition))
        {
            e.Write("Content-Disposition: "u8);
            using var d = new Utf8Text(disposition);
            e.Write(d.Bytes);
            e.Write("\r\n"u8);
        }
        e.Write("\r\n"u8);
        using (var t = new Utf8Text(text)) e.Write(t.Bytes);
        e.Write("\r\n"u8);
        e.EndInsert();
        return True;
    }
}
