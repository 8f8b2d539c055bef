namespace Osprey.Sip.Sdp;

/// <summary>A parsed <c>c=</c> line (RFC 8866 §5.7). Spans point into the description.</summary>
public readonly ref struct SdpConnection
{
    internal SdpConnection(ReadOnlySpan<byte> netType, ReadOnlySpan<byte> addrType, ReadOnlySpan<byte> address, ReadOnlySpan<byte> suffix)
    {
        NetType = netType;
        AddrType = addrType;
        Address = address;
        MulticastSuffix = suffix;
        AddressType = SdpSyntax.AddressType(netType, addrType);
    }

    public ReadOnlySpan<byte> NetType { get; }
    public ReadOnlySpan<byte> AddrType { get; }
    public SdpAddressType AddressType { get; }

    /// <summary>The address without any multicast <c>/ttl/count</c> suffix.</summary>
    public ReadOnlySpan<byte> Address { get; }

    /// <summary>The <c>/ttl[/count]</c> suffix including its first slash, empty for unicast.</summary>
    public ReadOnlySpan<byte> MulticastSuffix { get; }

    internal static bool TryParse(ReadOnlySpan<byte> value, out SdpConnection connection)
    {
        connection = default;
        if (!SdpSyntax.NextField(ref value, out var net) || !SdpSyntax.NextField(ref value, out var addrType) || !SdpSyntax.NextField(ref value, out var address))
        {
            return false;
        }

        // RFC 8866 §5.7: IP4 multicast carries /ttl[/n]; IP6 multicast /n. IPv6 literals have no slash.
        int slash = address.IndexOf((byte)'/');
        var suffix = slash < 0 ? default : address[slash..];
        if (slash >= 0)
        {
            address = address[..slash];
        }

        connection = new SdpConnection(net, addrType, address, suffix);
        return !address.IsEmpty;
    }
}

/// <summary>A parsed <c>o=</c> line (RFC 8866 §5.2).</summary>
public readonly ref struct SdpOrigin
{
    public ReadOnlySpan<byte> Username { get; init; }
    public ReadOnlySpan<byte> SessionId { get; init; }
    public ReadOnlySpan<byte> SessionVersion { get; init; }
    public ReadOnlySpan<byte> NetType { get; init; }
    public ReadOnlySpan<byte> AddrType { get; init; }
    public ReadOnlySpan<byte> Address { get; init; }
    public SdpAddressType AddressType => SdpSyntax.AddressType(NetType, AddrType);

    internal static bool TryParse(ReadOnlySpan<byte> value, out SdpOrigin origin)
    {
        origin = default;
        if (!SdpSyntax.NextField(ref value, out var user) || !SdpSyntax.NextField(ref value, out var id)
            || !SdpSyntax.NextField(ref value, out var version) || !SdpSyntax.NextField(ref value, out var net)
            || !SdpSyntax.NextField(ref value, out var addrType) || !SdpSyntax.NextField(ref value, out var address))
        {
            return false;
        }

        origin = new SdpOrigin
        {
            Username = user,
            SessionId = id,
            SessionVersion = version,
            NetType = net,
            AddrType = addrType,
            Address = address,
        };
        return true;
    }
}

/// <summary>One <c>a=</c> line split at its first colon (RFC 8866 §5.13).</summary>
public readonly ref struct SdpAttribute
{
    internal SdpAttribute(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool hasValue)
    {
        Name = name;
        Value = value;
        HasValue = hasValue;
    }

    public ReadOnlySpan<byte> Name { get; }

    /// <summary>Text after the colon; empty for a property attribute such as <c>a=sendrecv</c>.</summary>
    public ReadOnlySpan<byte> Value { get; }

    public bool HasValue { get; }
}

/// <summary>An <c>a=rtpmap</c> attribute (RFC 8866 §6.6).</summary>
public readonly ref struct SdpRtpMap
{
    public int PayloadType { get; init; }
    public ReadOnlySpan<byte> EncodingName { get; init; }
    /// <summary>0 when the attribute has no clock rate.</summary>
    public int ClockRate { get; init; }

    /// <summary>Encoding parameters (channels for audio); empty when absent.</summary>
    public ReadOnlySpan<byte> EncodingParameters { get; init; }

    internal static bool TryParse(ReadOnlySpan<byte> value, out SdpRtpMap map)
    {
        map = default;
        if (!SdpSyntax.NextField(ref value, out var pt) || !SdpSyntax.TryParseInt(pt, out int payloadType))
        {
            return false;
        }

        var encoding = value.Trim((byte)' ');
        int slash = encoding.IndexOf((byte)'/');
        if (slash < 0 && !encoding.IsEmpty)
        {
            // RFC 8866 §6.6 requires a clock rate, but RFC 4475 §3.1.1.10 (sdp01) sends "31 LPC": tolerate it.
            map = new SdpRtpMap { PayloadType = payloadType, EncodingName = encoding };
            return true;
        }

        if (slash <= 0)
        {
            return false;
        }

        var name = encoding[..slash];
        var rest = encoding[(slash + 1)..];
        int slash2 = rest.IndexOf((byte)'/');
        var clock = slash2 < 0 ? rest : rest[..slash2];
        if (!SdpSyntax.TryParseInt(clock, out int rate))
        {
            return false;
        }

        map = new SdpRtpMap
        {
            PayloadType = payloadType,
            EncodingName = name,
            ClockRate = rate,
            EncodingParameters = slash2 < 0 ? default : rest[(slash2 + 1)..],
        };
        return true;
    }
}

/// <summary>An <c>a=rtcp</c> attribute (RFC 3605 §2.1).</summary>
public readonly ref struct SdpRtcp
{
    public int Port { get; init; }

    /// <summary>Empty when the attribute carries only a port.</summary>
    public ReadOnlySpan<byte> Address { get; init; }
    public SdpAddressType AddressType { get; init; }

    internal static bool TryParse(ReadOnlySpan<byte> value, out SdpRtcp rtcp)
    {
        rtcp = default;
        if (!SdpSyntax.NextField(ref value, out var port) || !SdpSyntax.TryParseInt(port, out int p) || p > 65535)
        {
            return false;
        }

        if (!SdpSyntax.NextField(ref value, out var net))
        {
            rtcp = new SdpRtcp { Port = p };
            return true;
        }

        if (!SdpSyntax.NextField(ref value, out var addrType) || !SdpSyntax.NextField(ref value, out var address))
        {
            return false;
        }

        rtcp = new SdpRtcp { Port = p, Address = address, AddressType = SdpSyntax.AddressType(net, addrType) };
        return true;
    }
}

/// <summary>An ICE <c>a=candidate</c> attribute (RFC 8839 §5.1).</summary>
public readonly ref struct SdpCandidate
{
    public ReadOnlySpan<byte> Foundation { get; init; }
    public int ComponentId { get; init; }
    public ReadOnlySpan<byte> Transport { get; init; }
    public long Priority { get; init; }
    public ReadOnlySpan<byte> Address { get; init; }
    public int Port { get; init; }

    /// <summary><c>host</c>, <c>srflx</c>, <c>prflx</c>, <c>relay</c> or an extension token.</summary>
    public ReadOnlySpan<byte> CandidateType { get; init; }

    /// <summary>Empty when absent.</summary>
    public ReadOnlySpan<byte> RelatedAddress { get; init; }

    /// <summary>-1 when absent.</summary>
    public int RelatedPort { get; init; }

    /// <summary>The extension name/value pairs after the known fields, unparsed.</summary>
    public ReadOnlySpan<byte> Extensions { get; init; }

    internal static bool TryParse(ReadOnlySpan<byte> value, out SdpCandidate candidate)
    {
        candidate = default;
        if (!SdpSyntax.NextField(ref value, out var foundation)
            || !SdpSyntax.NextField(ref value, out var component) || !SdpSyntax.TryParseInt(component, out int componentId)
            || !SdpSyntax.NextField(ref value, out var transport)
            || !SdpSyntax.NextField(ref value, out var priority) || !SdpSyntax.TryParseLong(priority, out long prio)
            || !SdpSyntax.NextField(ref value, out var address)
            || !SdpSyntax.NextField(ref value, out var port) || !SdpSyntax.TryParseInt(port, out int p)
            || !SdpSyntax.NextField(ref value, out var typ) || !typ.SequenceEqual("typ"u8)
            || !SdpSyntax.NextField(ref value, out var type))
        {
            return false;
        }

        ReadOnlySpan<byte> raddr = default;
        int rport = -1;
        var rest = value;
        var probe = value;
        while (SdpSyntax.NextField(ref probe, out var name))
        {
            if (name.SequenceEqual("raddr"u8) && SdpSyntax.NextField(ref probe, out var ra))
            {
                raddr = ra;
                rest = probe;
            }
            else if (name.SequenceEqual("rport"u8) && SdpSyntax.NextField(ref probe, out var rp) && SdpSyntax.TryParseInt(rp, out int rpv))
            {
                rport = rpv;
                rest = probe;
            }
            else
            {
                break;
            }
        }

        candidate = new SdpCandidate
        {
            Foundation = foundation,
            ComponentId = componentId,
            Transport = transport,
            Priority = prio,
            Address = address,
            Port = p,
            CandidateType = type,
            RelatedAddress = raddr,
            RelatedPort = rport,
            Extensions = rest.Trim((byte)' '),
        };
        return true;
    }
}
