using System.Buffers.Text;

namespace Osprey.Sip.Sdp;

/// <summary>Small byte-level helpers for the SDP grammar of RFC 8866 §9.</summary>
internal static class SdpSyntax
{
    /// <summary>Splits off the next space-separated field (RFC 8866 §9: fields are separated by one SP; we tolerate runs).</summary>
    public static bool NextField(scoped ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        rest = rest.TrimStart((byte)' ');
        if (rest.IsEmpty)
        {
            field = default;
            return false;
        }

        int sp = rest.IndexOf((byte)' ');
        if (sp < 0)
        {
            field = rest;
            rest = default;
        }
        else
        {
            field = rest[..sp];
            rest = rest[(sp + 1)..];
        }

        return true;
    }

    public static bool TryParseInt(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 9)
        {
            return false;
        }

        foreach (byte b in digits)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }
        }

        return Utf8Parser.TryParse(digits, out value, out int used) && used == digits.Length;
    }

    public static bool TryParseLong(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 18)
        {
            return false;
        }

        foreach (byte b in digits)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }
        }

        return Utf8Parser.TryParse(digits, out value, out int used) && used == digits.Length;
    }

    public static SdpAddressType AddressType(ReadOnlySpan<byte> netType, ReadOnlySpan<byte> addrType)
    {
        if (!netType.SequenceEqual("IN"u8))
        {
            return SdpAddressType.Unknown;
        }

        if (addrType.SequenceEqual("IP4"u8))
        {
            return SdpAddressType.IP4;
        }

        return addrType.SequenceEqual("IP6"u8) ? SdpAddressType.IP6 : SdpAddressType.Unknown;
    }

    public static ReadOnlySpan<byte> AddressTypeToken(SdpAddressType type)
        => type == SdpAddressType.IP6 ? "IP6"u8 : "IP4"u8;

    public static int WriteInt(Span<byte> dest, int value)
    {
        Utf8Formatter.TryFormat(value, dest, out int written);
        return written;
    }

    public static ReadOnlySpan<byte> DirectionToken(SdpDirection direction) => direction switch
    {
        SdpDirection.SendOnly => "sendonly"u8,
        SdpDirection.RecvOnly => "recvonly"u8,
        SdpDirection.Inactive => "inactive"u8,
        _ => "sendrecv"u8,
    };

    public static SdpDirection ParseDirection(ReadOnlySpan<byte> attributeName)
    {
        if (attributeName.Length != 8)
        {
            return SdpDirection.None;
        }

        if (attributeName.SequenceEqual("sendrecv"u8))
        {
            return SdpDirection.SendRecv;
        }

        if (attributeName.SequenceEqual("sendonly"u8))
        {
            return SdpDirection.SendOnly;
        }

        if (attributeName.SequenceEqual("recvonly"u8))
        {
            return SdpDirection.RecvOnly;
        }

        return attributeName.SequenceEqual("inactive"u8) ? SdpDirection.Inactive : SdpDirection.None;
    }

    /// <summary>Splits an <c>a=</c> value into name and value at the first colon (RFC 8866 §5.13).</summary>
    public static void SplitAttribute(ReadOnlySpan<byte> raw, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out bool hasValue)
    {
        int colon = raw.IndexOf((byte)':');
        if (colon < 0)
        {
            name = raw;
            value = default;
            hasValue = false;
        }
        else
        {
            name = raw[..colon];
            value = raw[(colon + 1)..];
            hasValue = true;
        }
    }
}
