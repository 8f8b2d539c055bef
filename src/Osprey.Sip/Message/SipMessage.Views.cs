using Osprey.Sip.Headers;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Message;

public sealed partial class SipMessage
{
    [Flags]
    private enum Parsed : ushort
    {
        None = 0,
        RequestUri = 1,
        TopVia = 2,
        From = 4,
        To = 8,
        CSeq = 16,
        MaxForwards = 32,
    }

    private Parsed _parsed;
    private SipUri _requestUri;
    private ViaHeader _topVia;
    private NameAddr _from, _to;
    private CSeqHeader _cseq;
    private int _maxForwards;

    private void InvalidateViews() => _parsed = Parsed.None;

    /// <summary>The Request-URI (requests only; invalid for replies).</summary>
    public ref readonly SipUri RequestUri
    {
        get
        {
            if ((_parsed & Parsed.RequestUri) == 0) EnsureRequestUri(out _);
            return ref _requestUri;
        }
    }

    private bool EnsureRequestUri(out string reason)
    {
        _parsed |= Parsed.RequestUri;
        reason = "";
        if (!IsRequest || RequestUriRange.Length == 0) { _requestUri = default; return false; }
        if (!SipUri.TryParse(_buffer.Slice(RequestUriRange.Start, RequestUriRange.Length), out _requestUri, out reason)) return false;
        // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11)
        if (_requestUri.Headers.Length > 0) { reason = "headers not allowed"; _requestUri = default; return false; }
        return true;
    }

    /// <summary>The topmost via-parm; <c>IsValid</c> is false when absent or malformed.</summary>
    public ref readonly ViaHeader TopVia
    {
        get
        {
            if ((_parsed & Parsed.TopVia) == 0)
            {
                _parsed |= Parsed.TopVia;
                _topVia = default;
                int i = IndexOf(HeaderId.Via);
                if (i >= 0)
                {
                    var e = HeaderValues.Split(Span, Headers[i].Value);
                    if (e.MoveNext()) ViaHeader.TryParse(_buffer, e.Current, out _topVia, out _);
                }
            }
            return ref _topVia;
        }
    }

    public ref readonly NameAddr From
    {
        get
        {
            if ((_parsed & Parsed.From) == 0) { _parsed |= Parsed.From; _from = ParseSingleAddress(HeaderId.From); }
            return ref _from;
        }
    }

    public ref readonly NameAddr To
    {
        get
        {
            if ((_parsed & Parsed.To) == 0) { _parsed |= Parsed.To; _to = ParseSingleAddress(HeaderId.To); }
            return ref _to;
        }
    }

    private NameAddr ParseSingleAddress(HeaderId id)
    {
        int i = IndexOf(id);
        if (i < 0) return default;
        NameAddr.TryParse(_buffer, Headers[i].Value, out var na, out _);
        return na;
    }

    public ref readonly CSeqHeader CSeq
    {
        get
        {
            if ((_parsed & Parsed.CSeq) == 0)
            {
                _parsed |= Parsed.CSeq;
                int i = IndexOf(HeaderId.CSeq);
                _cseq = default;
                if (i >= 0) CSeqHeader.TryParse(Span, Headers[i].Value, out _cseq, out _);
            }
            return ref _cseq;
        }
    }

    /// <summary>Call-ID value (empty when absent).</summary>
    public ReadOnlySpan<byte> CallId => ValueOf(HeaderId.CallId);

    /// <summary>Max-Forwards, -1 when absent or not a number.</summary>
    public int MaxForwards
    {
        get
        {
            if ((_parsed & Parsed.MaxForwards) == 0)
            {
                _parsed |= Parsed.MaxForwards;
                _maxForwards = SipChars.TryParseInt(ValueOf(HeaderId.MaxForwards), out var v) ? v : -1;
            }
            return _maxForwards;
        }
    }

    /// <summary>Expires header value, -1 when absent or not a number.</summary>
    public long Expires => SipChars.TryParseUInt(ValueOf(HeaderId.Expires), uint.MaxValue, out var v) ? (long)v : -1;

    /// <summary>Number of via-parms over all Via headers.</summary>
    public int ViaCount
    {
        get
        {
            int n = 0;
            for (int i = IndexOf(HeaderId.Via); i >= 0; i = NextIndexOf(HeaderId.Via, i))
            {
                foreach (var _ in HeaderValues.Split(Span, Headers[i].Value)) n++;
            }
            return n;
        }
    }

    /// <summary>Parses the via-parm at position <paramref name="n"/> (0 = top); false when absent or malformed.</summary>
    public bool TryGetVia(int n, out ViaHeader via)
    {
        int k = 0;
        for (int i = IndexOf(HeaderId.Via); i >= 0; i = NextIndexOf(HeaderId.Via, i))
        {
            foreach (var r in HeaderValues.Split(Span, Headers[i].Value))
            {
                if (k++ == n) return ViaHeader.TryParse(_buffer, r, out via, out _);
            }
        }
        via = default;
        return false;
    }

    /// <summary>Parses every element of every header with this id (Contact, Route, Record-Route, Path, ...).</summary>
    public int ParseAddresses(HeaderId id, Span<NameAddr> into, out bool malformed)
    {
        int n = 0;
        malformed = false;
        for (int i = IndexOf(id); i >= 0; i = NextIndexOf(id, i))
        {
            foreach (var r in HeaderValues.Split(Span, Headers[i].Value))
            {
                if (!NameAddr.TryParse(_buffer, r, out var na, out _, allowStar: id == HeaderId.Contact)) { malformed = true; continue; }
                if (n < into.Length) into[n] = na;
                n++;
            }
        }
        return n;
    }

    /// <summary>
    /// The checks a server makes before acting on a message (RFC 3261 §8.1.1, §8.2, §16.3; RFC 4475):
    /// mandatory headers present and not repeated, Via, From, To, CSeq and Contact well-formed, CSeq
    /// method matching the request method. Parses and caches the typed views it touches.
    /// </summary>
    public ParseError Validate()
    {
        var s = Span;
        if (!TopVia.IsValid)
        {
            int vi = IndexOf(HeaderId.Via);
            return vi < 0 ? Missing("Via") : Bad(HeaderId.Via, "Malformed Via header");
        }
        if (IndexOf(HeaderId.From) < 0) return Missing("From");
        if (IndexOf(HeaderId.To) < 0) return Missing("To");
        if (IndexOf(HeaderId.CallId) < 0) return Missing("Call-ID");
        if (IndexOf(HeaderId.CSeq) < 0) return Missing("CSeq");
        for (int i = 0; i < Headers.Count; i++)
        {
            var id = Headers[i].Id;
            if (HeaderNames.IsSingleton(id) && IndexOf(id) != i)
            {
                return new ParseError(ParseErrorKind.DuplicateHeader, "Duplicate " + HeaderNames.NameOf(id) + " header");
            }
        }
        if (!From.IsValid) return Bad(HeaderId.From, "Malformed From header");
        if (!To.IsValid) return Bad(HeaderId.To, "Malformed To header");
        if (!CSeq.IsValid)
        {
            CSeqHeader.TryParse(s, Headers[IndexOf(HeaderId.CSeq)].Value, out _, out var why);
            return Bad(HeaderId.CSeq, why);
        }
        var callId = CallId;
        if (callId.IsEmpty || SipChars.ContainsWs(callId)) return Bad(HeaderId.CallId, "Malformed Call-ID header");
        // every via-parm must parse (RFC 4475 §3.1.2.1); the top one already did, as TopVia
        bool top = true;
        for (int i = IndexOf(HeaderId.Via); i >= 0; i = NextIndexOf(HeaderId.Via, i))
        {
            foreach (var r in HeaderValues.Split(s, Headers[i].Value))
            {
                if (top) { top = false; continue; }
                if (!ViaHeader.TryParse(_buffer, r, out _, out var why)) return Bad(HeaderId.Via, why);
            }
        }
        if (IsRequest)
        {
            var cs = CSeq;
            if (!cs.MethodRange.Of(s).SequenceEqual(MethodText))
            {
                return new ParseError(ParseErrorKind.CSeqMismatch, "CSeq method does not match request method");
            }
            if (Has(HeaderId.MaxForwards) && MaxForwards < 0) return Bad(HeaderId.MaxForwards, "Malformed Max-Forwards header");
            for (int i = IndexOf(HeaderId.Contact); i >= 0; i = NextIndexOf(HeaderId.Contact, i))
            {
                foreach (var r in HeaderValues.Split(s, Headers[i].Value))
                {
                    if (!NameAddr.TryParse(_buffer, r, out _, out var why, allowStar: true)) return Bad(HeaderId.Contact, "Malformed Contact header: " + why);
                }
            }
        }
        return ParseError.None;
    }

    private static ParseError Missing(string name) => new(ParseErrorKind.MissingHeader, "Missing " + name + " header");

    private static ParseError Bad(HeaderId id, string reason) => new(ParseErrorKind.BadHeaderValue, reason);
}
