using System.Buffers.Text;
using Osprey.Sip.Message;

namespace Osprey.Sip.Builder;

/// <summary>What to add to a reply beyond RFC 3261 §8.2.6's copied headers.</summary>
public ref struct ReplyOptions
{
    /// <summary>Tag to add to To when the request's To has none (ignored for 100 Trying).</summary>
    public ReadOnlySpan<byte> ToTag;

    /// <summary>Source address to put in the top Via's received parameter (RFC 3261 §18.2.1); empty for none.</summary>
    public ReadOnlySpan<byte> Received;

    /// <summary>Source port to fill into an rport parameter (RFC 3581 §4); 0 leaves rport as it is.</summary>
    public int Rport;

    /// <summary>Add rport=<see cref="Rport"/> even when the request's top Via had no rport (force_rport).</summary>
    public bool ForceRport;

    /// <summary>Complete header lines, each ending in CRLF, added after the copied headers.</summary>
    public ReadOnlySpan<byte> ExtraHeaders;

    public ReadOnlySpan<byte> ContentType;
    public ReadOnlySpan<byte> Body;
}

/// <summary>
/// Builds a reply from a request as RFC 3261 §8.2.6 says: every Via (top one with received/rport
/// filled), From, To (with a tag added when absent), Call-ID and CSeq, copied byte for byte, then extra
/// headers, Content-Length and an optional body.
/// </summary>
public static class ReplyBuilder
{
    public static PooledBytes Build(SipMessage request, int status, ReadOnlySpan<byte> reason, scoped in ReplyOptions options)
    {
        var s = request.Span;
        int estimate = 64 + reason.Length + options.ToTag.Length + options.Received.Length + options.ExtraHeaders.Length
            + options.ContentType.Length + options.Body.Length;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            ref readonly var h = ref request.Header(i);
            if (IsCopied(h.Id)) estimate += h.LineEnd - h.LineStart + 2;
        }
        var output = new PooledBytes(estimate + 64);
        var w = new SpanWriter(output.Array);
        w.Write("SIP/2.0 "u8);
        w.WriteInt(status);
        w.Write((byte)' ');
        w.Write(reason);
        w.Write("\r\n"u8);
        bool topViaDone = false;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            ref readonly var h = ref request.Header(i);
            if (!IsCopied(h.Id)) continue;
            if (h.Id == HeaderId.Via && !topViaDone)
            {
                topViaDone = true;
                WriteTopVia(ref w, request, h, options);
            }
            else if (h.Id == HeaderId.To && status > 100 && !request.To.HasTag && !options.ToTag.IsEmpty)
            {
                w.Write(s[h.LineStart..h.Value.End]);
                w.Write(";tag="u8);
                w.Write(options.ToTag);
                w.Write("\r\n"u8);
            }
            else
            {
                WriteLine(ref w, s, h);
            }
        }
        w.Write(options.ExtraHeaders);
        if (!options.ContentType.IsEmpty && !options.Body.IsEmpty)
        {
            w.Write("Content-Type: "u8);
            w.Write(options.ContentType);
            w.Write("\r\n"u8);
        }
        w.Write("Content-Length: "u8);
        w.WriteInt(options.Body.Length);
        w.Write("\r\n\r\n"u8);
        w.Write(options.Body);
        output.Length = w.Position;
        return output;
    }

    private static bool IsCopied(HeaderId id) =>
        id is HeaderId.Via or HeaderId.From or HeaderId.To or HeaderId.CallId or HeaderId.CSeq;

    // Header line as received, normalised to end in CRLF.
    private static void WriteLine(ref SpanWriter w, ReadOnlySpan<byte> s, in HeaderEntry h)
    {
        w.Write(s[h.LineStart..h.Value.End]);
        w.Write("\r\n"u8);
    }

    private static void WriteTopVia(ref SpanWriter w, SipMessage request, in HeaderEntry h, scoped in ReplyOptions o)
    {
        var s = request.Span;
        ref readonly var via = ref request.TopVia;
        if (!via.IsValid || (o.Received.IsEmpty && o.Rport == 0))
        {
            WriteLine(ref w, s, h);
            return;
        }
        // the top via-parm ends at via.Range.End; later via-parms of the same line follow unchanged
        int cut = via.Range.End;
        if (via.HasRport && o.Rport != 0 && via.Rport.IsEmpty)
        {
            var rp = via.RportParamRange;
            w.Write(s[h.LineStart..rp.Start]);
            w.Write("rport="u8);
            w.WriteInt(o.Rport);
            w.Write(s[rp.End..cut]);
        }
        else
        {
            w.Write(s[h.LineStart..cut]);
            if (!via.HasRport && o.ForceRport && o.Rport != 0)
            {
                w.Write(";rport="u8);
                w.WriteInt(o.Rport);
            }
        }
        if (!o.Received.IsEmpty && via.ReceivedRange.Length == 0)
        {
            w.Write(";received="u8);
            w.Write(o.Received);
        }
        w.Write(s[cut..h.Value.End]);
        w.Write("\r\n"u8);
    }

    /// <summary>Minimal forward-only writer over an array.</summary>
    private ref struct SpanWriter(byte[] buffer)
    {
        private readonly Span<byte> _buf = buffer;
        public int Position;

        public void Write(ReadOnlySpan<byte> data)
        {
            data.CopyTo(_buf[Position..]);
            Position += data.Length;
        }

        public void Write(byte b) => _buf[Position++] = b;

        public void WriteInt(int v)
        {
            Utf8Formatter.TryFormat(v, _buf[Position..], out int n);
            Position += n;
        }
    }
}
