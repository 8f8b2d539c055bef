namespace Osprey.Sip.Multipart;

/// <summary>
/// One body part as offsets into the multipart body it came from (zero-copy). The header block
/// excludes the empty line that ends it; the body excludes the line end that belongs to the next
/// delimiter (RFC 2046 §5.1.1).
/// </summary>
public readonly struct MultipartPart
{
    internal MultipartPart(int headersStart, int headersLength, int bodyStart, int bodyLength)
    {
        HeadersStart = headersStart;
        HeadersLength = headersLength;
        BodyStart = bodyStart;
        BodyLength = bodyLength;
    }

    public int HeadersStart { get; }
    public int HeadersLength { get; }
    public int BodyStart { get; }
    public int BodyLength { get; }

    public Range Headers => new(HeadersStart, HeadersStart + HeadersLength);
    public Range Body => new(BodyStart, BodyStart + BodyLength);

    /// <summary>
    /// Finds a header of this part by name (case-insensitive, RFC 2045 §3 / RFC 5621 §3.1) and
    /// returns its value with surrounding whitespace removed; line folds inside a value are left in place.
    /// </summary>
    public bool TryGetHeader(ReadOnlySpan<byte> multipartBody, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var reader = new MultipartHeaderReader(multipartBody[Headers]);
        while (reader.TryRead(out var n, out var v))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(n, name))
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The part's Content-Type value; absent means text/plain (RFC 2046 §5.1.1 default is text/plain; charset=us-ascii).</summary>
    public bool TryGetContentType(ReadOnlySpan<byte> multipartBody, out ReadOnlySpan<byte> value)
        => TryGetHeader(multipartBody, "Content-Type"u8, out value);

    public bool TryGetContentId(ReadOnlySpan<byte> multipartBody, out ReadOnlySpan<byte> value)
        => TryGetHeader(multipartBody, "Content-ID"u8, out value);

    public bool TryGetContentDisposition(ReadOnlySpan<byte> multipartBody, out ReadOnlySpan<byte> value)
        => TryGetHeader(multipartBody, "Content-Disposition"u8, out value);
}

/// <summary>Reads <c>name: value</c> lines of a part's header block; continuation lines (leading WSP) belong to the value.</summary>
public ref struct MultipartHeaderReader
{
    private ReadOnlySpan<byte> _rest;

    public MultipartHeaderReader(ReadOnlySpan<byte> headerBlock)
    {
        _rest = headerBlock;
    }

    public bool TryRead(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (!_rest.IsEmpty)
        {
            // Find the end of this header, skipping folded continuation lines.
            int end = 0;
            int next;
            while (true)
            {
                int nl = _rest[end..].IndexOf((byte)'\n');
                if (nl < 0)
                {
                    end = _rest.Length;
                    next = _rest.Length;
                    break;
                }

                end += nl;
                next = end + 1;
                if (next < _rest.Length && _rest[next] is (byte)' ' or (byte)'\t')
                {
                    end = next;
                    continue;
                }

                break;
            }

            var line = _rest[..end];
            _rest = _rest[next..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            name = line[..colon].Trim(" \t"u8);
            value = line[(colon + 1)..].Trim(" \t\r\n"u8);
            return true;
        }

        name = default;
        value = default;
        return false;
    }
}
