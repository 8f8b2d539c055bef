using System.Buffers.Text;

namespace Osprey.Sip.Sdp;

/// <summary>
/// One media description: its <c>m=</c> line (RFC 8866 §5.14) and the lines up to the next one.
/// Connection and direction fall back to the session level when the media has none.
/// </summary>
public sealed class SdpMedia : SdpSection
{
    private readonly SdpSession _session;
    private int _portStart;
    private int _portEnd;

    internal SdpMedia(SdpSession session) : base(6)
    {
        _session = session;
    }

    public override SdpSession Session => _session;

    /// <summary>The transport port (0 means the stream is rejected or disabled, RFC 3264 §6).</summary>
    public int Port { get; private set; }

    /// <summary>The <c>/number of ports</c> of the m= line; 1 when absent.</summary>
    public int PortCount { get; private set; }

    private ReadOnlySpan<byte> MediaLine => ValueAt(0);

    /// <summary><c>audio</c>, <c>video</c>, <c>application</c>, ...</summary>
    public ReadOnlySpan<byte> MediaType
    {
        get
        {
            var line = MediaLine;
            return line[..line.IndexOf((byte)' ')];
        }
    }

    /// <summary>The transport protocol, e.g. <c>RTP/AVP</c>, <c>RTP/SAVPF</c>, <c>UDP/TLS/RTP/SAVPF</c>.</summary>
    public ReadOnlySpan<byte> Proto
    {
        get
        {
            var rest = MediaLine[_portEnd..];
            SdpSyntax.NextField(ref rest, out var proto);
            return proto;
        }
    }

    /// <summary>The media format list (payload types for RTP), unsplit.</summary>
    public ReadOnlySpan<byte> FormatList
    {
        get
        {
            var rest = MediaLine[_portEnd..];
            SdpSyntax.NextField(ref rest, out _);
            return rest.Trim((byte)' ');
        }
    }

    /// <summary>Enumerates the formats of the m= line.</summary>
    public SdpFieldEnumerator Formats => new(FormatList);

    internal bool TryLoadMediaLine()
    {
        // RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        var line = MediaLine;
        int sp = line.IndexOf((byte)' ');
        if (sp <= 0)
        {
            return false;
        }

        int start = sp + 1;
        while (start < line.Length && line[start] == (byte)' ')
        {
            start++;
        }

        int end = line[start..].IndexOf((byte)' ');
        if (end <= 0)
        {
            return false;
        }

        end += start;
        var portToken = line[start..end];
        int slash = portToken.IndexOf((byte)'/');
        int count = 1;
        if (slash >= 0)
        {
            if (!SdpSyntax.TryParseInt(portToken[(slash + 1)..], out count))
            {
                return false;
            }

            portToken = portToken[..slash];
        }

        if (!SdpSyntax.TryParseInt(portToken, out int port) || port > 65535)
        {
            return false;
        }

        var rest = line[end..];
        if (!SdpSyntax.NextField(ref rest, out _))
        {
            return false;
        }

        _portStart = start;
        _portEnd = end;
        Port = port;
        PortCount = count;
        return true;
    }

    /// <summary>Rewrites the port of the m= line, keeping any port count, proto and formats.</summary>
    public void SetPort(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var line = MediaLine;
        Span<byte> digits = stackalloc byte[16];
        int n = SdpSyntax.WriteInt(digits, port);
        int countLen = 0;
        if (PortCount != 1 || line[_portStart.._portEnd].Contains((byte)'/'))
        {
            digits[n] = (byte)'/';
            Utf8Formatter.TryFormat(PortCount, digits[(n + 1)..], out countLen);
            countLen++;
        }

        var text = new byte[_portStart + n + countLen + (line.Length - _portEnd)];
        line[.._portStart].CopyTo(text);
        digits[..(n + countLen)].CopyTo(text.AsSpan(_portStart));
        line[_portEnd..].CopyTo(text.AsSpan(_portStart + n + countLen));
        LineAt(0).Text = text;
        TryLoadMediaLine();
    }

    /// <summary>The media's own <c>c=</c>, or else the session's (RFC 8866 §5.7).</summary>
    public bool TryGetConnection(out SdpConnection connection)
        => TryGetOwnConnection(out connection) || _session.TryGetOwnConnection(out connection);

    /// <summary>The media's direction, else the session's, else <see cref="SdpDirection.SendRecv"/> (RFC 8866 §6.7).</summary>
    public SdpDirection Direction
    {
        get
        {
            var own = OwnDirection;
            if (own != SdpDirection.None)
            {
                return own;
            }

            var session = _session.OwnDirection;
            return session == SdpDirection.None ? SdpDirection.SendRecv : session;
        }
    }

    /// <summary>The <c>a=rtpmap</c> for <paramref name="payloadType"/> (RFC 8866 §6.6).</summary>
    public bool TryGetRtpMap(int payloadType, out SdpRtpMap map)
    {
        foreach (var a in GetAttributes("rtpmap"u8))
        {
            if (SdpRtpMap.TryParse(a.Value, out map) && map.PayloadType == payloadType)
            {
                return true;
            }
        }

        map = default;
        return false;
    }

    /// <summary>The parameters of the <c>a=fmtp</c> for <paramref name="format"/> (RFC 8866 §6.15).</summary>
    public bool TryGetFmtp(ReadOnlySpan<byte> format, out ReadOnlySpan<byte> parameters)
    {
        foreach (var a in GetAttributes("fmtp"u8))
        {
            var v = a.Value;
            if (SdpSyntax.NextField(ref v, out var fmt) && fmt.SequenceEqual(format))
            {
                parameters = v.Trim((byte)' ');
                return true;
            }
        }

        parameters = default;
        return false;
    }

    /// <summary>The <c>a=rtcp</c> attribute (RFC 3605).</summary>
    public bool TryGetRtcp(out SdpRtcp rtcp)
    {
        if (TryGetAttribute("rtcp"u8, out var v))
        {
            return SdpRtcp.TryParse(v, out rtcp);
        }

        rtcp = default;
        return false;
    }

    /// <summary>The <c>a=ptime</c> in whole milliseconds (RFC 8866 §6.4); a fraction is truncated.</summary>
    public bool TryGetPtime(out int milliseconds)
    {
        milliseconds = 0;
        if (!TryGetAttribute("ptime"u8, out var v))
        {
            return false;
        }

        int dot = v.IndexOf((byte)'.');
        return SdpSyntax.TryParseInt(dot < 0 ? v.Trim((byte)' ') : v[..dot], out milliseconds);
    }

    /// <summary>Enumerates well-formed <c>a=candidate</c> attributes (RFC 8839 §5.1); malformed ones are skipped.</summary>
    public SdpCandidateEnumerator Candidates => new(GetAttributes("candidate"u8));

    private protected override int ConnectionInsertIndex()
    {
        // RFC 8866 §5: m=, i=, c=, b=, k=, a=
        int i = 1;
        while (i < LineCount && LineAt(i).Type == (byte)'i')
        {
            i++;
        }

        return i;
    }
}

/// <summary>Enumerates space-separated fields of a value (e.g. the formats of an m= line).</summary>
public ref struct SdpFieldEnumerator
{
    private ReadOnlySpan<byte> _rest;
    private ReadOnlySpan<byte> _current;

    internal SdpFieldEnumerator(ReadOnlySpan<byte> value)
    {
        _rest = value;
        _current = default;
    }

    public readonly SdpFieldEnumerator GetEnumerator() => this;

    public bool MoveNext() => SdpSyntax.NextField(ref _rest, out _current);

    public readonly ReadOnlySpan<byte> Current => _current;
}

/// <summary>Enumerates the parsable <c>a=candidate</c> lines of a media section.</summary>
public ref struct SdpCandidateEnumerator
{
    private SdpAttributeEnumerator _attributes;
    private SdpCandidate _current;

    internal SdpCandidateEnumerator(SdpAttributeEnumerator attributes)
    {
        _attributes = attributes;
        _current = default;
    }

    public readonly SdpCandidateEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_attributes.MoveNext())
        {
            if (SdpCandidate.TryParse(_attributes.Current.Value, out _current))
            {
                return true;
            }
        }

        return false;
    }

    public readonly SdpCandidate Current => _current;
}
