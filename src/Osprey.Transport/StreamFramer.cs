using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Osprey.Transport;

/// <summary>What <see cref="StreamFramer.Next"/> found at the head of the buffer.</summary>
internal enum FrameStatus : byte
{
    /// <summary>Not enough bytes yet; consume nothing and read more.</summary>
    NeedMore,

    /// <summary>A whole message occupies the first <c>consumed</c> bytes.</summary>
    Message,

    /// <summary>A CRLFCRLF keep-alive ping (4 bytes); answer with one CRLF (RFC 5626 §4.4.1).</summary>
    Ping,

    /// <summary>Bytes to discard: a CRLF between messages, or a line that is not a start line.</summary>
    Skip,

    /// <summary>The stream cannot be framed; close the connection.</summary>
    Error,
}

/// <summary>Why a stream could not be framed.</summary>
internal enum FrameError : byte
{
    None,

    /// <summary>Headers plus Content-Length exceed the maximum message size.</summary>
    MessageTooLarge,

    /// <summary>No CRLFCRLF within the maximum message size.</summary>
    HeadersTooLarge,

    /// <summary>Content-Length is not a number, or two Content-Length headers disagree.</summary>
    BadContentLength,

    /// <summary>Too many bytes went by without a plausible request or status line.</summary>
    NoStartLine,
}

/// <summary>
/// Finds SIP message boundaries in a byte stream (RFC 3261 §18.3): the headers end at the first
/// CRLFCRLF and Content-Length gives the body length. One instance per connection: it remembers how
/// far it has already scanned the message at the head of the buffer, so a message arriving in many
/// small segments is not rescanned from the start each time. The caller must present the same
/// buffer start again after <see cref="FrameStatus.NeedMore"/>, and slice off <c>consumed</c> bytes
/// after every other status.
/// </summary>
internal sealed class StreamFramer
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    private readonly int _maxMessageSize;
    private readonly int _maxGarbage;

    // State about the message at the head of the buffer; reset whenever bytes are consumed.
    private long _scanned;          // bytes already searched (for LF in phase 1, for CRLFCRLF in phase 2)
    private bool _startLineSeen;
    private long _total = -1;       // whole message length once the headers are parsed
    private InboundFlags _flags;

    // Bytes skipped as non-start lines since the last good message.
    private long _garbage;

    public StreamFramer(int maxMessageSize, int maxGarbage)
    {
        _maxMessageSize = maxMessageSize;
        _maxGarbage = maxGarbage;
    }

    /// <summary>Examines the head of <paramref name="buffer"/>.</summary>
    /// <param name="consumed">Bytes to slice off: the message length for <see cref="FrameStatus.Message"/>.</param>
    /// <param name="flags">For a message: <see cref="InboundFlags.MissingContentLength"/> when it had none.</param>
    public FrameStatus Next(in ReadOnlySequence<byte> buffer, out long consumed, out InboundFlags flags, out FrameError error)
    {
        consumed = 0;
        flags = InboundFlags.None;
        error = FrameError.None;

        if (_total < 0)
        {
            if (!_startLineSeen)
            {
                var s = StartLine(buffer, out consumed, out error);
                if (s != FrameStatus.Message)
                {
                    if (s != FrameStatus.NeedMore)
                        Reset();
                    return s;
                }
            }

            var h = Headers(buffer, out error);
            if (h != FrameStatus.Message)
            {
                if (h == FrameStatus.Error)
                    Reset();
                return h;
            }
        }

        if (buffer.Length < _total)
            return FrameStatus.NeedMore;

        consumed = _total;
        flags = _flags;
        _garbage = 0;
        Reset();
        return FrameStatus.Message;
    }

    private void Reset()
    {
        _scanned = 0;
        _startLineSeen = false;
        _total = -1;
        _flags = InboundFlags.None;
    }

    /// <summary>Phase 1: CRLFs between messages, pings, and the start line. Returns Message when a plausible start line is there.</summary>
    private FrameStatus StartLine(in ReadOnlySequence<byte> buffer, out long consumed, out FrameError error)
    {
        consumed = 0;
        error = FrameError.None;
        if (buffer.IsEmpty)
            return FrameStatus.NeedMore;

        Span<byte> head = stackalloc byte[4];
        int n = (int)Math.Min(4, buffer.Length);
        buffer.Slice(0, n).CopyTo(head);
        head = head[..n];

        // RFC 3261 §7.5: CRLFs before a start line are ignored. RFC 5626 §4.4.1: a CRLFCRLF is a
        // keep-alive ping. A lone CRLF (a pong, or a separator) may be the start of a ping, so wait.
        if (head[0] == LF)
        {
            consumed = 1;
            return FrameStatus.Skip;
        }
        if (head[0] == CR)
        {
            if (n == 1)
                return FrameStatus.NeedMore;
            if (head[1] == LF)
            {
                if (n == 4 && head[2] == CR && head[3] == LF)
                {
                    consumed = 4;
                    return FrameStatus.Ping;
                }
                if (n == 2 || (n == 3 && head[2] == CR))
                    return FrameStatus.NeedMore;
                consumed = 2;
                return FrameStatus.Skip;
            }
            // "\r" followed by something else: not a separator; judged as a line below.
        }

        long lineLimit = Math.Min(_maxMessageSize, _maxGarbage);
        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(_scanned);
        if (!reader.TryAdvanceTo(LF, advancePastDelimiter: true))
        {
            _scanned = buffer.Length;
            if (buffer.Length >= lineLimit)
            {
                error = FrameError.NoStartLine;
                return FrameStatus.Error;
            }
            return FrameStatus.NeedMore;
        }

        long lineLength = reader.Consumed;
        if (lineLength > lineLimit)
        {
            error = FrameError.NoStartLine;
            return FrameStatus.Error;
        }

        if (IsPlausibleStartLine(buffer.Slice(0, lineLength)))
        {
            _startLineSeen = true;
            _scanned = 0;
            return FrameStatus.Message;
        }

        // Not a start line: drop it and try to resynchronise on the next line, within a budget.
        _garbage += lineLength;
        if (_garbage >= _maxGarbage)
        {
            error = FrameError.NoStartLine;
            return FrameStatus.Error;
        }
        consumed = lineLength;
        return FrameStatus.Skip;
    }

    /// <summary>Phase 2: find the end of the headers and the Content-Length. Returns Message when _total is known.</summary>
    private FrameStatus Headers(in ReadOnlySequence<byte> buffer, out FrameError error)
    {
        error = FrameError.None;
        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(_scanned);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true))
        {
            // Resume 3 bytes back: the delimiter may straddle what we have and what comes next.
            _scanned = Math.Max(0, buffer.Length - 3);
            if (buffer.Length >= _maxMessageSize)
            {
                error = FrameError.HeadersTooLarge;
                return FrameStatus.Error;
            }
            return FrameStatus.NeedMore;
        }

        long headerLength = reader.Consumed;
        if (headerLength > _maxMessageSize)
        {
            error = FrameError.HeadersTooLarge;
            return FrameStatus.Error;
        }

        var headers = buffer.Slice(0, headerLength);
        ContentLengthResult cl;
        if (headers.IsSingleSegment)
        {
            cl = FindContentLength(headers.FirstSpan, out long value);
            return Finish(cl, value, headerLength, out error);
        }

        // Rare: the header block straddles segments. Make it contiguous once.
        byte[] rented = ArrayPool<byte>.Shared.Rent((int)headerLength);
        try
        {
            headers.CopyTo(rented);
            cl = FindContentLength(rented.AsSpan(0, (int)headerLength), out long value);
            return Finish(cl, value, headerLength, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private FrameStatus Finish(ContentLengthResult cl, long bodyLength, long headerLength, out FrameError error)
    {
        error = FrameError.None;
        if (cl == ContentLengthResult.Bad)
        {
            error = FrameError.BadContentLength;
            return FrameStatus.Error;
        }
        if (cl == ContentLengthResult.Missing)
        {
            // RFC 3261 §18.3: Content-Length is mandatory on streams; we frame with an empty body
            // and let the pipeline decide (flag set).
            bodyLength = 0;
            _flags = InboundFlags.MissingContentLength;
        }
        long total = headerLength + bodyLength;
        if (total > _maxMessageSize)
        {
            error = FrameError.MessageTooLarge;
            return FrameStatus.Error;
        }
        _total = total;
        return FrameStatus.Message;
    }

    internal enum ContentLengthResult : byte { Found, Missing, Bad }

    /// <summary>
    /// Finds Content-Length (or compact "l", RFC 3261 §7.3.3) in a header block that ends with
    /// CRLFCRLF. Header names compare case-insensitively and may be followed by whitespace before
    /// the colon (RFC 3261 §7.3.1); the value may be folded onto continuation lines.
    /// </summary>
    internal static ContentLengthResult FindContentLength(ReadOnlySpan<byte> block, out long value)
    {
        value = 0;
        var result = ContentLengthResult.Missing;

        // Skip the start line.
        int i = block.IndexOf(LF);
        if (i < 0)
            return result;
        i++;

        while (i < block.Length)
        {
            int rel = block[i..].IndexOf(LF);
            int lineEnd = rel < 0 ? block.Length : i + rel; // index of LF
            var line = block[i..lineEnd];
            if (line.Length == 0 || (line.Length == 1 && line[0] == CR))
                break; // the empty line ending the headers

            byte first = line[0];
            if (first != (byte)' ' && first != (byte)'\t')
            {
                int colon = line.IndexOf((byte)':');
                if (colon > 0 && IsContentLengthName(line[..colon].TrimEnd(" \t"u8)))
                {
                    var r = ParseValue(block, i + colon + 1, out long v);
                    if (r == ContentLengthResult.Bad)
                        return r;
                    // Two Content-Length headers that disagree make the framing ambiguous.
                    if (result == ContentLengthResult.Found && v != value)
                        return ContentLengthResult.Bad;
                    value = v;
                    result = ContentLengthResult.Found;
                }
            }
            i = lineEnd + 1;
        }
        return result;
    }

    private static bool IsContentLengthName(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
            return (name[0] | 0x20) == (byte)'l';
        return name.Length == 14 && Ascii.EqualsIgnoreCase(name, "content-length"u8);
    }

    private static ContentLengthResult ParseValue(ReadOnlySpan<byte> block, int j, out long value)
    {
        value = 0;
        j = SkipLws(block, j);
        int digits = 0;
        while (j < block.Length && (uint)(block[j] - '0') <= 9)
        {
            // Cap rather than overflow: anything this big is rejected as too large anyway.
            if (value < int.MaxValue)
                value = value * 10 + (block[j] - '0');
            digits++;
            j++;
        }
        if (digits == 0)
            return ContentLengthResult.Bad;
        while (j < block.Length && (block[j] == (byte)' ' || block[j] == (byte)'\t'))
            j++;
        if (j < block.Length && block[j] != CR && block[j] != LF)
            return ContentLengthResult.Bad;
        return ContentLengthResult.Found;
    }

    /// <summary>Skips SP/HTAB and line folds (CRLF followed by SP/HTAB, RFC 3261 §7.3.1).</summary>
    private static int SkipLws(ReadOnlySpan<byte> b, int j)
    {
        while (j < b.Length)
        {
            byte c = b[j];
            if (c == (byte)' ' || c == (byte)'\t')
                j++;
            else if (c == CR && j + 2 < b.Length && b[j + 1] == LF && (b[j + 2] == (byte)' ' || b[j + 2] == (byte)'\t'))
                j += 3;
            else
                break;
        }
        return j;
    }

    /// <summary>
    /// A cheap test that a line could be a Request-Line (token SP something SP SIP/2.0) or a
    /// Status-Line (SIP/2.0 SP 3DIGIT), RFC 3261 §7.1 and §7.2. The parser does the real check.
    /// </summary>
    internal static bool IsPlausibleStartLine(in ReadOnlySequence<byte> lineWithLf)
    {
        if (lineWithLf.IsSingleSegment)
            return IsPlausibleStartLine(lineWithLf.FirstSpan);
        return IsPlausibleSlow(lineWithLf);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsPlausibleSlow(in ReadOnlySequence<byte> line)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(rented);
            return IsPlausibleStartLine(rented.AsSpan(0, (int)line.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    internal static bool IsPlausibleStartLine(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == LF)
            line = line[..^1];
        if (line.Length > 0 && line[^1] == CR)
            line = line[..^1];

        ReadOnlySpan<byte> version = "SIP/2.0"u8;
        if (line.Length >= 11 && Ascii.EqualsIgnoreCase(line[..7], version) && line[7] == (byte)' ')
        {
            // Status-Line: SIP/2.0 SP 3DIGIT [SP Reason-Phrase]
            return IsDigit(line[8]) && IsDigit(line[9]) && IsDigit(line[10]) && (line.Length == 11 || line[11] == (byte)' ');
        }

        // Request-Line: Method SP Request-URI SP SIP-Version
        int sp = line.IndexOf((byte)' ');
        if (sp <= 0 || line.Length < sp + 1 + 1 + 1 + version.Length)
            return false;
        for (int k = 0; k < sp; k++)
        {
            if (!IsTokenChar(line[k]))
                return false;
        }
        var tail = line[^(version.Length + 1)..];
        return tail[0] == (byte)' ' && Ascii.EqualsIgnoreCase(tail[1..], version) && line[sp + 1] != (byte)' ';
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    // RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    private static bool IsTokenChar(byte c) =>
        (uint)((c | 0x20) - 'a') <= 'z' - 'a' || IsDigit(c) ||
        c is (byte)'-' or (byte)'.' or (byte)'!' or (byte)'%' or (byte)'*' or (byte)'_' or (byte)'+' or (byte)'`' or (byte)'\'' or (byte)'~';
}
