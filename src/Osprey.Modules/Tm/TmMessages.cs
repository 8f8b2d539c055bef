using System.Buffers;
using System.Buffers.Text;
using Osprey.Sip.Message;

namespace Osprey.Modules.Tm;

/// <summary>Requests tm makes itself: the hop-by-hop ACK of a negative INVITE reply and the CANCEL
/// of a pending branch.</summary>
internal static class TmMessages
{
    /// <summary>RFC 3261 §17.1.1.3: ACK for a non-2xx final reply — Request-URI, top Via, Route, From,
    /// Call-ID and CSeq number of the request, To of the reply.</summary>
    public static byte[] Ack(SipMessage request, SipMessage reply)
    {
        var w = new ArrayBufferWriter<byte>(512);
        Start(w, "ACK"u8, request);
        int to = reply.IndexOf(HeaderId.To);
        CommonHeaders(w, request, to >= 0 ? reply : request, "ACK"u8);
        Put(w, "Content-Length: 0\r\n\r\n"u8);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>RFC 3261 §9.1: CANCEL of a pending branch — the same Request-URI, top Via (so the same
    /// branch), Route, From, To, Call-ID and CSeq number; an optional Reason (RFC 3326).</summary>
    public static byte[] Cancel(SipMessage request, string? reasonHeaderLines)
    {
        var w = new ArrayBufferWriter<byte>(512);
        Start(w, "CANCEL"u8, request);
        CommonHeaders(w, request, request, "CANCEL"u8);
        if (!string.IsNullOrEmpty(reasonHeaderLines)) Put(w, System.Text.Encoding.UTF8.GetBytes(reasonHeaderLines));
        Put(w, "Content-Length: 0\r\n\r\n"u8);
        return w.WrittenSpan.ToArray();
    }

    private static void Start(ArrayBufferWriter<byte> w, ReadOnlySpan<byte> method, SipMessage request)
    {
        Put(w, method);
        Put(w, " "u8);
        Put(w, request.RequestUriText);
        Put(w, " SIP/2.0\r\n"u8);
        // only the top Via: ours
        Put(w, "Via: "u8);
        Put(w, request.TopVia.Range.Of(request.Span));
        Put(w, "\r\n"u8);
    }

    private static void CommonHeaders(ArrayBufferWriter<byte> w, SipMessage request, SipMessage toSource, ReadOnlySpan<byte> method)
    {
        var s = request.Span;
        for (int i = request.IndexOf(HeaderId.Route); i >= 0; i = request.NextIndexOf(HeaderId.Route, i)) Line(w, s, request.Header(i));
        Line(w, s, request.Header(request.IndexOf(HeaderId.From)));
        Line(w, toSource.Span, toSource.Header(toSource.IndexOf(HeaderId.To)));
        Line(w, s, request.Header(request.IndexOf(HeaderId.CallId)));
        Put(w, "CSeq: "u8);
        Span<byte> num = stackalloc byte[12];
        Utf8Formatter.TryFormat(request.CSeq.Number, num, out int n);
        Put(w, num[..n]);
        Put(w, " "u8);
        Put(w, method);
        Put(w, "\r\n"u8);
        // the request's own Max-Forwards, as sent (Kamailio copies the INVITE's; 70 when it had none)
        int mf = request.IndexOf(HeaderId.MaxForwards);
        if (mf >= 0) Line(w, s, request.Header(mf));
        else Put(w, "Max-Forwards: 70\r\n"u8);
    }

    private static void Line(ArrayBufferWriter<byte> w, ReadOnlySpan<byte> s, in HeaderEntry h)
    {
        Put(w, s[h.LineStart..h.Value.End]);
        Put(w, "\r\n"u8);
    }

    private static void Put(ArrayBufferWriter<byte> w, ReadOnlySpan<byte> data) => w.Write(data);
}
