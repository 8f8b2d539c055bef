namespace Osprey.Sip.Multipart;

/// <summary>
/// Reads the parts of a multipart body one at a time without copying (RFC 2046 §5.1.1,
/// RFC 5621 for SIP). Delimiters are <c>--boundary</c> at the start of the body or after a line
/// end; CRLF and bare LF line ends are both accepted. The preamble and epilogue are skipped.
/// </summary>
public ref struct MultipartReader
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly ReadOnlySpan<byte> _boundary;
    private readonly int _base;
    private int _pos;
    private State _state;

    private enum State : byte { Start, InParts, Done, Failed }

    /// <param name="body">The multipart body (or, for a nested multipart, the enclosing part's body).</param>
    /// <param name="boundary">The boundary parameter value, without quotes.</param>
    /// <param name="baseOffset">Added to every reported offset, so nested parts can be expressed relative to the outermost body.</param>
    public MultipartReader(ReadOnlySpan<byte> body, ReadOnlySpan<byte> boundary, int baseOffset = 0)
    {
        _body = body;
        _boundary = boundary;
        _base = baseOffset;
        _pos = 0;
        _state = State.Start;
        Error = default;
        EpilogueStart = -1;
    }

    /// <summary>Set when <see cref="TryReadNext"/> returned false because the body is malformed.</summary>
    public MultipartError Error { get; private set; }

    /// <summary>Offset where the epilogue (text after the close delimiter line) starts; -1 until the end was reached.</summary>
    public int EpilogueStart { get; private set; }

    /// <summary>Reads the next part; false at the end (Error.Code None) or on malformed input.</summary>
    public bool TryReadNext(out MultipartPart part)
    {
        part = default;
        if (_state is State.Done or State.Failed)
        {
            return false;
        }

        if (_boundary.IsEmpty || _boundary.Length > 70)
        {
            return Fail(MultipartErrorCode.MissingBoundary, 0, "the boundary must be 1 to 70 characters (RFC 2046 §5.1.1)");
        }

        if (_state == State.Start)
        {
            int first = FindDelimiter(0, out _);
            if (first < 0)
            {
                return Fail(MultipartErrorCode.NoParts, 0, "no '--boundary' delimiter line found in the body");
            }

            _pos = first;
            _state = State.InParts;
            if (!AfterDelimiter(out bool closed))
            {
                return false;
            }

            if (closed)
            {
                return Fail(MultipartErrorCode.NoParts, first, "the body closes before its first part");
            }
        }

        int partStart = _pos;
        int next = FindDelimiter(partStart, out int contentEnd);
        if (next < 0)
        {
            return Fail(MultipartErrorCode.MissingCloseDelimiter, _body.Length, "the body ends without the close delimiter '--boundary--'");
        }

        _pos = next;
        if (!AfterDelimiter(out bool isClose))
        {
            return false;
        }

        if (isClose)
        {
            _state = State.Done;
        }

        // RFC 2046 §5.1.1: body-part = MIME-part-headers [CRLF *OCTET]; an empty line ends the headers.
        var content = _body[partStart..contentEnd];
        int headersLength, bodyStart;
        if (content.IsEmpty)
        {
            // "--b CRLF CRLF --b": no headers, empty body (the second CRLF belongs to the delimiter).
            headersLength = 0;
            bodyStart = 0;
        }
        else if (content.StartsWith("\r\n"u8))
        {
            headersLength = 0;
            bodyStart = 2;
        }
        else if (content.StartsWith("\n"u8))
        {
            headersLength = 0;
            bodyStart = 1;
        }
        else
        {
            int crlf = content.IndexOf("\r\n\r\n"u8);
            int lf = content.IndexOf("\n\n"u8);
            if (crlf >= 0 && (lf < 0 || crlf < lf))
            {
                headersLength = crlf;
                bodyStart = crlf + 4;
            }
            else if (lf >= 0)
            {
                headersLength = lf;
                bodyStart = lf + 2;
            }
            else
            {
                int lineEnd = content.IndexOf((byte)'\n');
                var firstLine = lineEnd < 0 ? content : content[..lineEnd];
                if (!firstLine.Contains((byte)':'))
                {
                    return Fail(MultipartErrorCode.MalformedPartHeaders, partStart, "a part has neither headers nor the empty line that starts its body");
                }

                // Headers only, no body.
                headersLength = content.Length;
                bodyStart = content.Length;
            }
        }

        part = new MultipartPart(_base + partStart, headersLength, _base + partStart + bodyStart, content.Length - bodyStart);
        return true;
    }

    /// <summary>Finds the next delimiter at or after <paramref name="from"/>; returns the offset just past <c>--boundary</c>.</summary>
    private readonly int FindDelimiter(int from, out int lineStart)
    {
        int search = from;
        while (search < _body.Length)
        {
            int i = _body[search..].IndexOf(_boundary);
            if (i < 0)
            {
                break;
            }

            int b = search + i;
            if (b >= 2 && _body[b - 1] == (byte)'-' && _body[b - 2] == (byte)'-' && EndsDelimiterLine(b + _boundary.Length))
            {
                int dashes = b - 2;
                if (dashes == 0 && from == 0)
                {
                    lineStart = 0;
                    return b + _boundary.Length;
                }

                if (dashes >= from && dashes > 0 && _body[dashes - 1] == (byte)'\n')
                {
                    // The line end before the delimiter belongs to the delimiter, not to the part.
                    lineStart = dashes >= 2 && _body[dashes - 2] == (byte)'\r' ? dashes - 2 : dashes - 1;
                    if (lineStart < from)
                    {
                        lineStart = from;
                    }

                    return b + _boundary.Length;
                }
            }

            search = b + 1;
        }

        lineStart = -1;
        return -1;
    }

    /// <summary>
    /// A delimiter line is <c>--boundary</c> followed by <c>--</c> (close) or by transport padding and
    /// a line end (RFC 2046 §5.1.1); <c>--boundaryX</c> is content, not a delimiter.
    /// </summary>
    private readonly bool EndsDelimiterLine(int after)
    {
        var rest = _body[after..];
        if (rest.IsEmpty || rest.StartsWith("--"u8))
        {
            return true;
        }

        int p = 0;
        while (p < rest.Length && rest[p] is (byte)' ' or (byte)'\t')
        {
            p++;
        }

        if (p < rest.Length && rest[p] == (byte)'\r')
        {
            p++;
        }

        return p < rest.Length && rest[p] == (byte)'\n';
    }

    /// <summary>At <c>_pos</c> just after <c>--boundary</c>: consumes <c>--</c> (close) or padding and a line end.</summary>
    private bool AfterDelimiter(out bool closed)
    {
        closed = false;
        var rest = _body[_pos..];
        if (rest.StartsWith("--"u8))
        {
            closed = true;
            int nl = rest.IndexOf((byte)'\n');
            EpilogueStart = _base + (nl < 0 ? _body.Length : _pos + nl + 1);
            _pos = _body.Length;
            return true;
        }

        // RFC 2046 §5.1.1: transport-padding (LWSP) may follow the boundary before CRLF.
        int p = 0;
        while (p < rest.Length && rest[p] is (byte)' ' or (byte)'\t')
        {
            p++;
        }

        if (p < rest.Length && rest[p] == (byte)'\r')
        {
            p++;
        }

        if (p >= rest.Length || rest[p] != (byte)'\n')
        {
            // Only reachable when the body ends right after "--boundary".
            Fail(MultipartErrorCode.MissingCloseDelimiter, _pos, "the body ends inside a delimiter line without the close delimiter '--boundary--'");
            return false;
        }

        _pos += p + 1;
        return true;
    }

    private bool Fail(MultipartErrorCode code, int offset, string reason)
    {
        Error = new MultipartError(code, _base + offset, reason);
        _state = State.Failed;
        return false;
    }
}

/// <summary>Multipart helpers that work on a Content-Type value and a body (RFC 2046, RFC 5621).</summary>
public static class MultipartBody
{
    /// <summary>True when the media type of a Content-Type value is <c>multipart/*</c> (case-insensitive, RFC 2045 §5.1).</summary>
    public static bool IsMultipart(ReadOnlySpan<byte> contentType)
        => contentType.TrimStart(" \t"u8).Length >= 10 && System.Text.Ascii.EqualsIgnoreCase(contentType.TrimStart(" \t"u8)[..10], "multipart/"u8);

    /// <summary>
    /// Extracts the <c>boundary</c> parameter of a Content-Type value, quoted or not
    /// (RFC 2045 §5.1: parameter names are case-insensitive; RFC 2046 §5.1.1 boundary grammar).
    /// </summary>
    public static bool TryGetBoundary(ReadOnlySpan<byte> contentType, out ReadOnlySpan<byte> boundary, out MultipartError error)
    {
        boundary = default;
        int semi = contentType.IndexOf((byte)';');
        while (semi >= 0)
        {
            var rest = contentType[(semi + 1)..].TrimStart(" \t\r\n"u8);
            int eq = rest.IndexOf((byte)'=');
            if (eq < 0)
            {
                break;
            }

            var name = rest[..eq].Trim(" \t\r\n"u8);
            var valueAndMore = rest[(eq + 1)..].TrimStart(" \t\r\n"u8);
            ReadOnlySpan<byte> value;
            int consumed;
            if (!valueAndMore.IsEmpty && valueAndMore[0] == (byte)'"')
            {
                int close = valueAndMore[1..].IndexOf((byte)'"');
                if (close < 0)
                {
                    error = new MultipartError(MultipartErrorCode.MissingBoundary, 0, "the Content-Type has an unterminated quoted parameter");
                    return false;
                }

                value = valueAndMore.Slice(1, close);
                consumed = close + 2;
            }
            else
            {
                int end = valueAndMore.IndexOfAny(";"u8);
                value = (end < 0 ? valueAndMore : valueAndMore[..end]).TrimEnd(" \t\r\n"u8);
                consumed = end < 0 ? valueAndMore.Length : end;
            }

            if (System.Text.Ascii.EqualsIgnoreCase(name, "boundary"u8))
            {
                if (value.IsEmpty || value.Length > 70)
                {
                    error = new MultipartError(MultipartErrorCode.MissingBoundary, 0, "the boundary must be 1 to 70 characters (RFC 2046 §5.1.1)");
                    return false;
                }

                boundary = value;
                error = default;
                return true;
            }

            var after = valueAndMore[consumed..];
            int nextSemi = after.IndexOf((byte)';');
            if (nextSemi < 0)
            {
                break;
            }

            contentType = after;
            semi = nextSemi;
        }

        error = new MultipartError(MultipartErrorCode.MissingBoundary, 0, "the Content-Type has no boundary parameter");
        return false;
    }

    /// <summary>Splits a body into <paramref name="parts"/>; fails with <see cref="MultipartErrorCode.TooManyParts"/> when it has more.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> body, ReadOnlySpan<byte> boundary, Span<MultipartPart> parts, out int count, out MultipartError error)
    {
        count = 0;
        var reader = new MultipartReader(body, boundary);
        while (reader.TryReadNext(out var part))
        {
            if (count == parts.Length)
            {
                error = new MultipartError(MultipartErrorCode.TooManyParts, part.HeadersStart, "the body has more parts than the destination can hold");
                return false;
            }

            parts[count++] = part;
        }

        error = reader.Error;
        return error.Code == MultipartErrorCode.None;
    }
}
