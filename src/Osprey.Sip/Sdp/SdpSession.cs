using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Osprey.Sip.Sdp;

/// <summary>
/// A session description (RFC 8866, formerly RFC 4566): the session-level lines in received
/// order and the media descriptions. Lines are offsets into the body it was parsed from, so the
/// body memory must stay valid while the session is used. Edits are recorded per line; an
/// unmodified description serialises back to exactly the received bytes.
/// </summary>
public sealed class SdpSession : SdpSection
{
    private readonly List<SdpMedia> _media = new(2);
    private byte[] _newLine = "\r\n"u8.ToArray();

    private SdpSession(ReadOnlyMemory<byte> source) : base(8)
    {
        Source = source;
    }

    public override SdpSession Session => this;

    /// <summary>The body the session was parsed from.</summary>
    public ReadOnlyMemory<byte> Source { get; }

    /// <summary>The media descriptions in order.</summary>
    public IReadOnlyList<SdpMedia> Media => _media;

    /// <summary>Parses <paramref name="body"/>. Never throws on malformed input.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out SdpSession? session, out SdpError error)
    {
        session = null;
        var span = body.Span;
        if (span.IsEmpty)
        {
            error = new SdpError(SdpErrorCode.Empty, 0, "the body is empty");
            return false;
        }

        var result = new SdpSession(body);
        SdpSection current = result;
        int pos = 0;
        int lineNo = 0;
        bool eolKnown = false;
        while (pos < span.Length)
        {
            lineNo++;
            int nl = span[pos..].IndexOf((byte)'\n');
            int lineEnd = nl < 0 ? span.Length : pos + nl + 1;
            int valueEnd = nl < 0 ? span.Length : pos + nl;

            // RFC 8866 §5 requires CRLF; we also accept bare LF (and a final CR with nothing after it).
            if (valueEnd > pos && span[valueEnd - 1] == (byte)'\r')
            {
                valueEnd--;
            }

            if (!eolKnown && nl >= 0)
            {
                eolKnown = true;
                if (valueEnd == pos + nl)
                {
                    result._newLine = "\n"u8.ToArray();
                }
            }

            var line = new SdpLine { LineStart = pos, ValueEnd = valueEnd, LineEnd = lineEnd };
            if (valueEnd == pos)
            {
                // An empty line: not SDP, but common at the end of bodies. Kept verbatim.
                if (lineNo == 1)
                {
                    error = new SdpError(SdpErrorCode.MissingVersion, lineNo, "the description must start with a v= line");
                    return false;
                }

                line.Type = 0;
                line.ValueStart = pos;
                current.Append(line);
                pos = lineEnd;
                continue;
            }

            byte type = span[pos];
            if (valueEnd - pos < 2 || span[pos + 1] != (byte)'=' || !char.IsAsciiLetter((char)type))
            {
                error = lineNo == 1
                    ? new SdpError(SdpErrorCode.MissingVersion, lineNo, "the description must start with a v= line")
                    : new SdpError(SdpErrorCode.MalformedLine, lineNo, "a line is not of the form <letter>=<value>");
                return false;
            }

            line.Type = type;
            line.ValueStart = pos + 2;
            if (lineNo == 1)
            {
                if (type != (byte)'v')
                {
                    error = new SdpError(SdpErrorCode.MissingVersion, lineNo, "the description must start with a v= line");
                    return false;
                }

                if (!span[line.ValueStart..valueEnd].Trim((byte)' ').SequenceEqual("0"u8))
                {
                    error = new SdpError(SdpErrorCode.UnsupportedVersion, lineNo, "only SDP version 0 is defined (v=0)");
                    return false;
                }
            }

            if (type == (byte)'m')
            {
                var media = new SdpMedia(result);
                media.Append(line);
                if (!media.TryLoadMediaLine())
                {
                    error = new SdpError(SdpErrorCode.MalformedMediaLine, lineNo, "an m= line must be '<media> <port>[/<count>] <proto> <fmt> ...'");
                    return false;
                }

                result._media.Add(media);
                current = media;
            }
            else
            {
                current.Append(line);
            }

            pos = lineEnd;
        }

        session = result;
        error = default;
        return true;
    }

    /// <summary>The line end used for added lines: the one the body's first line used, CRLF by default.</summary>
    internal ReadOnlySpan<byte> NewLine => _newLine;

    /// <summary>The parsed <c>o=</c> line (RFC 8866 §5.2).</summary>
    public bool TryGetOrigin(out SdpOrigin origin)
    {
        origin = default;
        return TryGetLine('o', out var v) && SdpOrigin.TryParse(v, out origin);
    }

    /// <summary>The <c>s=</c> value (RFC 8866 §5.3); empty when missing.</summary>
    public ReadOnlySpan<byte> SessionName => TryGetLine('s', out var v) ? v : default;

    /// <summary>Rewrites the unicast address (and address type) of the <c>o=</c> line, as nathelper does.</summary>
    public bool SetOriginAddress(SdpAddressType type, ReadOnlySpan<byte> address)
    {
        int i = IndexOfType((byte)'o');
        if (i < 0 || !SdpOrigin.TryParse(ValueAt(i), out var o))
        {
            return false;
        }

        var af = SdpSyntax.AddressTypeToken(type);
        int len = o.Username.Length + o.SessionId.Length + o.SessionVersion.Length + o.NetType.Length + af.Length + address.Length + 5;
        var text = new byte[len];
        var w = text.AsSpan();
        Put(ref w, o.Username);
        Put(ref w, o.SessionId);
        Put(ref w, o.SessionVersion);
        Put(ref w, o.NetType);
        Put(ref w, af);
        address.CopyTo(w);
        LineAt(i).Text = text;
        return true;

        static void Put(ref Span<byte> w, ReadOnlySpan<byte> field)
        {
            field.CopyTo(w);
            w[field.Length] = (byte)' ';
            w = w[(field.Length + 1)..];
        }
    }

    /// <summary>
    /// Points every <c>c=</c> line (session and media) at <paramref name="address"/>; when the
    /// description has none at all, adds one at session level. This is what a NAT fix-up needs.
    /// </summary>
    public void SetAllConnections(SdpAddressType type, ReadOnlySpan<byte> address)
    {
        bool any = IndexOfType((byte)'c') >= 0;
        if (any)
        {
            SetConnection(type, address);
        }

        foreach (var m in _media)
        {
            if (m.IndexOfType((byte)'c') >= 0)
            {
                m.SetConnection(type, address);
                any = true;
            }
        }

        if (!any)
        {
            SetConnection(type, address);
        }
    }

    /// <inheritdoc cref="SetAllConnections(SdpAddressType, ReadOnlySpan{byte})"/>
    public void SetAllConnections(SdpAddressType type, string address) => SetAllConnections(type, Encoding.ASCII.GetBytes(address));

    /// <summary>Number of bytes <see cref="TryWrite"/> will produce (the new Content-Length).</summary>
    public int GetLength()
    {
        int total = SectionLength(this);
        for (int m = 0; m < _media.Count; m++)
        {
            total += SectionLength(_media[m]);
        }

        // A body whose last line had no line end gets one when something follows it.
        return total + MissingNewLines() * _newLine.Length;
    }

    /// <summary>Writes the description; untouched lines are copied byte for byte.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < GetLength())
        {
            return false;
        }

        var src = Source.Span;
        int lastSection = _media.Count;
        for (int s = 0; s <= lastSection; s++)
        {
            SdpSection section = s == 0 ? this : _media[s - 1];
            for (int i = 0; i < section.LineCount; i++)
            {
                bool isLast = s == lastSection && i == section.LineCount - 1;
                ref var line = ref section.LineAt(i);
                ReadOnlySpan<byte> eol;
                if (line.Text is null)
                {
                    src[line.LineStart..line.ValueEnd].CopyTo(destination[written..]);
                    written += line.ValueEnd - line.LineStart;
                    eol = src[line.ValueEnd..line.LineEnd];
                }
                else
                {
                    destination[written++] = line.Type;
                    destination[written++] = (byte)'=';
                    line.Text.CopyTo(destination[written..]);
                    written += line.Text.Length;
                    eol = line.LineStart < 0 ? _newLine : src[line.ValueEnd..line.LineEnd];
                }

                if (eol.IsEmpty && !isLast)
                {
                    eol = _newLine;
                }

                eol.CopyTo(destination[written..]);
                written += eol.Length;
            }
        }

        return true;
    }

    /// <summary>The serialised description as a new array.</summary>
    public byte[] ToArray()
    {
        var result = new byte[GetLength()];
        TryWrite(result, out _);
        return result;
    }

    private int MissingNewLines()
    {
        int missing = 0;
        int lastSection = _media.Count;
        for (int s = 0; s <= lastSection; s++)
        {
            SdpSection section = s == 0 ? this : _media[s - 1];
            for (int i = 0; i < section.LineCount; i++)
            {
                ref var line = ref section.LineAt(i);
                bool isLast = s == lastSection && i == section.LineCount - 1;
                if (!isLast && line.LineStart >= 0 && line.LineEnd == line.ValueEnd)
                {
                    missing++;
                }
            }
        }

        return missing;
    }

    private int SectionLength(SdpSection section)
    {
        int total = 0;
        for (int i = 0; i < section.LineCount; i++)
        {
            ref var line = ref section.LineAt(i);
            if (line.Text is null)
            {
                total += line.LineEnd - line.LineStart;
            }
            else
            {
                total += 2 + line.Text.Length + (line.LineStart < 0 ? _newLine.Length : line.LineEnd - line.ValueEnd);
            }
        }

        return total;
    }

    private protected override int ConnectionInsertIndex()
    {
        // RFC 8866 §5 session order: v o s i u e p c b t r z k a — c= goes before the first b/t/r/z/k/a.
        for (int i = 0; i < LineCount; i++)
        {
            byte t = LineAt(i).Type;
            if (t is (byte)'b' or (byte)'t' or (byte)'r' or (byte)'z' or (byte)'k' or (byte)'a')
            {
                return i;
            }
        }

        return LineCount;
    }
}
