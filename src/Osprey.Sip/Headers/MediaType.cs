using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Headers;

/// <summary>Content-Type (RFC 3261 §20.15): type "/" subtype *( ";" parameter ).</summary>
public readonly ref struct MediaType
{
    private MediaType(ReadOnlySpan<byte> type, ReadOnlySpan<byte> subtype, ReadOnlySpan<byte> parameters)
    {
        Type = type;
        Subtype = subtype;
        Parameters = parameters;
    }

    public ReadOnlySpan<byte> Type { get; }
    public ReadOnlySpan<byte> Subtype { get; }
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>type/subtype compared case-insensitively ("application", "sdp").</summary>
    public bool Is(ReadOnlySpan<byte> type, ReadOnlySpan<byte> subtype) =>
        SipChars.EqualsIgnoreCase(Type, type) && SipChars.EqualsIgnoreCase(Subtype, subtype);

    public bool TryGetParam(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => Params.TryGet(Parameters, name, out value);

    public static bool TryParse(ReadOnlySpan<byte> value, out MediaType mediaType)
    {
        mediaType = default;
        var v = SipChars.Trim(value);
        int slash = v.IndexOf((byte)'/');
        if (slash <= 0) return false;
        var type = SipChars.Trim(v[..slash]);
        var rest = v[(slash + 1)..];
        int semi = rest.IndexOf((byte)';');
        var sub = SipChars.Trim(semi < 0 ? rest : rest[..semi]);
        if (!SipChars.IsToken(type) || !SipChars.IsToken(sub)) return false;
        var prms = semi < 0 ? default : rest[(semi + 1)..];
        if (semi >= 0 && !Params.Validate(prms)) return false;
        mediaType = new MediaType(type, sub, prms);
        return true;
    }
}
