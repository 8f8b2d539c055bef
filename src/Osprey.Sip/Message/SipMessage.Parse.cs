using System.Runtime.CompilerServices;
using Osprey.Sip.Text;

namespace Osprey.Sip.Message;

public sealed partial class SipMessage
{
    /// <summary>Most header lines a message may have; beyond it the message is refused (sanity limit).</summary>
    public const int MaxHeaders = 1024;

    private static readonly ParseError ErrEmpty = new(ParseErrorKind.Empty, "Empty message");
    private static readonly ParseError ErrStartLine = new(ParseErrorKind.BadStartLine, "Bad start line");
    private static readonly ParseError ErrVersion = new(ParseErrorKind.BadVersion, "Version Not Supported", 505);
    private static readonly ParseError ErrStatus = new(ParseErrorKind.BadStatusCode, "Bad status code");
    private static readonly ParseError ErrMethod = new(ParseErrorKind.BadStartLine, "Bad method");
    private static readonly ParseError ErrHeaderLine = new(ParseErrorKind.BadHeaderLine, "Header line without colon");
    private static readonly ParseError ErrHeaderName = new(ParseErrorKind.BadHeaderLine, "Bad header name");
    private static readonly ParseError ErrFold = new(ParseErrorKind.BadHeaderLine, "Continuation line before any header");
    private static readonly ParseError ErrCl = new(ParseErrorKind.BadContentLength, "Bad Content-Length");
    private static readonly ParseError ErrClTwice = new(ParseErrorKind.BadContentLength, "Conflicting Content-Length headers");
    private static readonly ParseError ErrClShort = new(ParseErrorKind.BodyTooShort, "Content-Length larger than body");
    private static readonly ParseError ErrClStream = new(ParseErrorKind.BadContentLength, "Missing Content-Length on stream");
    private static readonly ParseError ErrTooMany = new(ParseErrorKind.TooManyHeaders, "Too many headers");

    /// <summary>
    /// Parses the start line, indexes every header and frames the body, in one pass, copying nothing.
    /// Returns the message when the start line could be read, even if a later step failed, so a server
    /// can still answer a malformed request with the status in <paramref name="error"/>.
    /// </summary>
    public static SipMessage? Parse(ReadOnlyMemory<byte> data, Framing framing, out ParseError error) =>
        ParseReusing(null, data, framing, out error);

    /// <summary>
    /// Like <see cref="Parse"/>, into <paramref name="spare"/> when it was not kept (<see cref="IsKept"/>):
    /// a receive loop hands back the message it parsed last, so a message nobody detached costs no
    /// allocation. The spare's previous contents are gone; its <see cref="Serial"/> changes, which is
    /// how per-message state keyed on the object tells the two apart.
    /// </summary>
    public static SipMessage? ParseReusing(SipMessage? spare, ReadOnlyMemory<byte> data, Framing framing, out ParseError error)
    {
        SipMessage m;
        if (spare is null || spare.IsKept) m = new SipMessage();
        else
        {
            m = spare;
            m.Clear();
        }
        error = m.ParseInto(data, framing);
        return error.Kind is ParseErrorKind.Empty ? null : m;
    }

    private void Clear()
    {
        Headers.Clear();
        IsRequest = false;
        Method = default;
        MethodRange = default;
        RequestUriRange = default;
        StatusCode = 0;
        ReasonRange = default;
        HeadersStart = 0;
        HeadersEnd = 0;
        BodyStart = 0;
        MissingEmptyLine = false;
        BodyLength = 0;
        ContentLength = -1;
        _parsed = Parsed.None;
    }

    /// <summary>Convenience for tests and tools: parse and validate.</summary>
    public static SipMessage? ParseAndValidate(ReadOnlyMemory<byte> data, Framing framing, out ParseError error)
    {
        var m = Parse(data, framing, out error);
        if (m is null || error.IsError) return m;
        error = m.Validate();
        return m;
    }

    private ParseError ParseInto(ReadOnlyMemory<byte> data, Framing framing)
    {
        _buffer = data;
        Serial = Interlocked.Increment(ref s_serial);
        var s = data.Span;
        int pos = 0;
        // RFC 3261 §7.5: empty lines before the start line are ignored.
        while (pos < s.Length && (s[pos] == (byte)'\r' || s[pos] == (byte)'\n')) pos++;
        if (pos >= s.Length) return ErrEmpty;
        int nl = s[pos..].IndexOf((byte)'\n');
        int lineEnd = nl < 0 ? s.Length : pos + nl;
        var err = ParseStartLine(s, pos, TrimCr(s, pos, lineEnd));
        pos = nl < 0 ? s.Length : lineEnd + 1;
        HeadersStart = pos;
        // Index the headers even after a bad start line, so a 400 can still be built from them.
        var headerErr = ParseHeaders(s, ref pos);
        if (headerErr.IsError)
        {
            // Framing is unknown past a bad header line: the message is the whole buffer, so that
            // Length and Detach still cover every indexed header.
            HeadersEnd = Headers.Count > 0 ? Headers[Headers.Count - 1].LineEnd : HeadersStart;
            BodyStart = s.Length;
            BodyLength = 0;
            return err.IsError ? err : headerErr;
        }
        var bodyErr = FrameBody(s, pos, framing);
        return err.IsError ? err : bodyErr;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TrimCr(ReadOnlySpan<byte> s, int start, int lineEnd) =>
        lineEnd > start && s[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;

    private ParseError ParseStartLine(ReadOnlySpan<byte> s, int start, int end)
    {
        var line = s[start..end];
        if (line.Length > 4 && line.StartsWith("SIP/"u8))
        {
            IsRequest = false;
            int sp = line.IndexOf((byte)' ');
            if (sp < 0) return ErrStartLine;
            if (!IsVersion20(line[..sp])) return ErrVersion;
            int cs = sp + 1;
            if (line.Length < cs + 3) return ErrStatus;
            var code = line.Slice(cs, 3);
            if (!SipChars.IsDigit(code[0]) || !SipChars.IsDigit(code[1]) || !SipChars.IsDigit(code[2])) return ErrStatus;
            int status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
            if (line.Length > cs + 3 && line[cs + 3] != (byte)' ') return ErrStatus;
            // RFC 3261 §21: codes run 100-699; anything else is dropped (RFC 4475 §3.1.2.19)
            if (status < 100 || status > 699) return ErrStatus;
            StatusCode = status;
            int rs = Math.Min(line.Length, cs + 4);
            ReasonRange = new TextRange(start + rs, line.Length - rs);
            return ParseError.None;
        }
        IsRequest = true;
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0) return ErrStartLine;
        var method = line[..sp1];
        if (!SipChars.IsToken(method)) return ErrMethod;
        MethodRange = new TextRange(start, sp1);
        Method = SipMethods.Parse(method);
        // tolerate trailing whitespace after the version (RFC 4475 §3.1.2.10)
        int le = line.Length;
        while (le > sp1 && (line[le - 1] == (byte)' ' || line[le - 1] == (byte)'\t')) le--;
        if (le <= sp1 + 1) return ErrStartLine; // nothing but blanks after the method ("BYE ")
        var rest = line[(sp1 + 1)..le];
        int sp2 = rest.LastIndexOf((byte)' ');
        if (sp2 < 0) return ErrStartLine;
        var version = rest[(sp2 + 1)..];
        if (version.Length < 5 || !SipChars.EqualsIgnoreCase(version[..4], "SIP/"u8)) return ErrStartLine;
        var uri = rest[..sp2];
        RequestUriRange = new TextRange(start + sp1 + 1, sp2);
        if (!IsVersion20(version)) return ErrVersion;
        if (uri.IsEmpty || SipChars.ContainsWs(uri)) return new ParseError(ParseErrorKind.BadRequestUri, "Bad Request-URI: whitespace");
        if (!EnsureRequestUri(out var why)) return new ParseError(ParseErrorKind.BadRequestUri, "Bad Request-URI: " + why);
        return ParseError.None;
    }

    private static bool IsVersion20(ReadOnlySpan<byte> v) => v.Length == 7 && SipChars.EqualsIgnoreCase(v, "SIP/2.0"u8);

    private ParseError ParseHeaders(ReadOnlySpan<byte> s, ref int pos)
    {
        while (true)
        {
            if (pos >= s.Length)
            {
                // Headers ran to the end of the buffer without an empty line (RFC 4475 §3.1.2.15's
                // archive copy, RFC 5118 §4.10): treat the end as the end of the headers.
                HeadersEnd = s.Length;
                MissingEmptyLine = true;
                return ParseError.None;
            }
            int nl = s[pos..].IndexOf((byte)'\n');
            int lineEnd = nl < 0 ? s.Length : pos + nl;
            int next = nl < 0 ? s.Length : lineEnd + 1;
            int contentEnd = TrimCr(s, pos, lineEnd);
            if (contentEnd == pos)
            {
                HeadersEnd = pos;
                pos = next;
                return ParseError.None;
            }
            byte first = s[pos];
            if (first == (byte)' ' || first == (byte)'\t')
            {
                // folded continuation line (RFC 3261 §7.3.1): extend the previous header's value
                if (Headers.Count == 0) return ErrFold;
                ref readonly var prev = ref Headers[Headers.Count - 1];
                int ve = contentEnd;
                while (ve > pos && SipChars.IsWs(s[ve - 1])) ve--;
                int vs = prev.Value.Length == 0 ? SipChars.SkipWs(s[..contentEnd], pos) : prev.Value.Start;
                var value = ve > vs ? new TextRange(vs, ve - vs) : prev.Value;
                Headers.ReplaceLast(new HeaderEntry(prev.Id, prev.LineStart, prev.NameLength, value, next));
                if (prev.Id == HeaderId.ContentLength)
                {
                    var e = ApplyContentLength(s, value, replace: true);
                    if (e.IsError) return e;
                }
                pos = next;
                continue;
            }
            int colon = s[pos..contentEnd].IndexOf((byte)':');
            if (colon < 0) return ErrHeaderLine;
            int nameEnd = pos + colon;
            while (nameEnd > pos && (s[nameEnd - 1] == (byte)' ' || s[nameEnd - 1] == (byte)'\t')) nameEnd--;
            var name = s[pos..nameEnd];
            if (!SipChars.IsToken(name)) return ErrHeaderName;
            int vstart = pos + colon + 1;
            while (vstart < contentEnd && (s[vstart] == (byte)' ' || s[vstart] == (byte)'\t')) vstart++;
            int vend = contentEnd;
            while (vend > vstart && (s[vend - 1] == (byte)' ' || s[vend - 1] == (byte)'\t')) vend--;
            var id = HeaderNames.Lookup(name);
            if (Headers.Count >= MaxHeaders) return ErrTooMany;
            var range = new TextRange(vstart, vend - vstart);
            Headers.Add(new HeaderEntry(id, pos, name.Length, range, next));
            if (id == HeaderId.ContentLength)
            {
                var e = ApplyContentLength(s, range, replace: false);
                if (e.IsError) return e;
            }
            pos = next;
        }
    }

    private ParseError ApplyContentLength(ReadOnlySpan<byte> s, TextRange value, bool replace)
    {
        var v = SipChars.Trim(value.Of(s));
        if (!SipChars.TryParseUInt(v, int.MaxValue, out var n)) return ErrCl;
        // RFC 4475 §3.3.9: two different values leave framing undefined
        if (!replace && ContentLength >= 0 && ContentLength != (int)n) return ErrClTwice;
        ContentLength = (int)n;
        return ParseError.None;
    }

    private ParseError FrameBody(ReadOnlySpan<byte> s, int bodyStart, Framing framing)
    {
        BodyStart = Math.Min(bodyStart, s.Length);
        int available = s.Length - BodyStart;
        if (ContentLength < 0)
        {
            // RFC 3261 §18.3: optional on datagrams (body = rest), mandatory on streams
            BodyLength = available;
            return framing == Framing.Stream ? ErrClStream : ParseError.None;
        }
        if (ContentLength > available)
        {
            BodyLength = available;
            return ErrClShort;
        }
        // octets after Content-Length in a datagram are ignored (RFC 4475 §3.1.1.8)
        BodyLength = ContentLength;
        return ParseError.None;
    }
}
