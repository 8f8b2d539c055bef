using System.Runtime.CompilerServices;
using System.Text;
using Osprey.Sip.Text;

namespace Osprey.Sip.Uri;

public enum UriScheme : byte
{
    None = 0,
    Sip,
    Sips,
    Tel,

    /// <summary>Any other absolute URI (im:, pres:, urn:, http:, ...), kept opaque.</summary>
    Other,
}

public enum HostKind : byte
{
    None = 0,
    Name,
    IPv4,
    IPv6,
}

/// <summary>
/// A parsed URI (RFC 3261 §19.1, RFC 3966 for tel): ranges into the bytes it was parsed from, so
/// parsing copies nothing. For tel URIs <see cref="User"/> is the number. Other schemes keep everything
/// after the colon in <see cref="Opaque"/>.
/// </summary>
public readonly struct SipUri
{
    private readonly ReadOnlyMemory<byte> _src;
    private readonly TextRange _user, _password, _host, _params, _headers, _opaque;

    private SipUri(ReadOnlyMemory<byte> src, UriScheme scheme, TextRange user, TextRange password, TextRange host, HostKind hostKind,
        int port, TextRange parameters, TextRange headers, TextRange opaque)
    {
        _src = src;
        Scheme = scheme;
        _user = user;
        _password = password;
        _host = host;
        HostKind = hostKind;
        Port = port;
        _params = parameters;
        _headers = headers;
        _opaque = opaque;
    }

    public UriScheme Scheme { get; }
    public HostKind HostKind { get; }

    /// <summary>Explicit port, 0 when the URI has none.</summary>
    public int Port { get; }

    public bool IsValid => Scheme != UriScheme.None;
    public bool IsSipOrSips => Scheme is UriScheme.Sip or UriScheme.Sips;

    /// <summary>The whole URI text.</summary>
    public ReadOnlySpan<byte> Raw => _src.Span;
    public ReadOnlyMemory<byte> RawMemory => _src;

    /// <summary>User part, still %-escaped as received.</summary>
    public ReadOnlySpan<byte> User => _user.Of(_src.Span);
    public bool HasUser => _user.Length > 0 || (_password.Start > 0 && _src.Span.IndexOf((byte)'@') >= 0);
    public ReadOnlySpan<byte> Password => _password.Of(_src.Span);

    /// <summary>Host as written; an IPv6 reference keeps its brackets.</summary>
    public ReadOnlySpan<byte> Host => _host.Of(_src.Span);

    /// <summary>Host without IPv6 brackets.</summary>
    public ReadOnlySpan<byte> HostAddress => HostKind == HostKind.IPv6 ? Host[1..^1] : Host;

    /// <summary>Everything after the host (and port) up to '?', without the leading ';'.</summary>
    public ReadOnlySpan<byte> Parameters => _params.Of(_src.Span);

    /// <summary><see cref="Parameters"/> as memory (valid as long as the parsed text).</summary>
    public ReadOnlyMemory<byte> ParametersMemory => _src.Slice(_params.Start, _params.Length);

    /// <summary>Headers after '?', without the '?'.</summary>
    public ReadOnlySpan<byte> Headers => _headers.Of(_src.Span);

    public ReadOnlySpan<byte> Opaque => _opaque.Of(_src.Span);

    internal TextRange UserRange => _user;
    internal TextRange HostRange => _host;
    internal TextRange ParamsRange => _params;

    /// <summary>Port to contact when none is given: 5061 for sips, else 5060 (RFC 3263 §4.2 defaults).</summary>
    public int PortOrDefault => Port != 0 ? Port : Scheme == UriScheme.Sips ? 5061 : 5060;

    public string UserString => Encoding.UTF8.GetString(User);
    public string HostString => Encoding.UTF8.GetString(Host);
    public override string ToString() => Encoding.UTF8.GetString(_src.Span);

    /// <summary>Value of a URI parameter; a parameter without value yields an empty span and true.</summary>
    public bool TryGetParam(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        Params.TryGet(Parameters, name, out value);

    public bool HasParam(ReadOnlySpan<byte> name) => TryGetParam(name, out _);

    /// <summary>The transport parameter, or empty.</summary>
    public ReadOnlySpan<byte> TransportParam => TryGetParam("transport"u8, out var v) ? v : default;
    public bool IsLooseRouter => HasParam("lr"u8);
    public ReadOnlySpan<byte> Maddr => TryGetParam("maddr"u8, out var v) ? v : default;

    /// <summary>Most parameters, and most headers, a URI may carry. RFC 3261 sets no bound, but §19.1.4
    /// comparison looks parameters up by name pairwise, so without one comparing two URIs made of
    /// thousands of distinct parameters takes quadratic time (a fuzzer found 1 s for 100 KB).</summary>
    public const int MaxParams = 64;

    /// <summary>Parses a URI; false when the text is not a well-formed absolute URI.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> text, out SipUri uri) => TryParse(text, out uri, out _);

    public static bool TryParse(string text, out SipUri uri) => TryParse(Encoding.UTF8.GetBytes(text), out uri, out _);

    /// <summary>Parses a URI; on failure <paramref name="reason"/> says what is wrong.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> text, out SipUri uri, out string reason)
    {
        uri = default;
        var s = text.Span;
        int colon = s.IndexOf((byte)':');
        if (colon <= 0) { reason = "URI has no scheme"; return false; }
        var schemeText = s[..colon];
        if (!SipChars.IsAlpha(schemeText[0])) { reason = "bad URI scheme"; return false; }
        foreach (var c in schemeText)
        {
            if (!(SipChars.IsAlpha(c) || SipChars.IsDigit(c) || c == '+' || c == '-' || c == '.')) { reason = "bad URI scheme"; return false; }
        }
        UriScheme scheme = schemeText.Length switch
        {
            3 when SipChars.EqualsIgnoreCase(schemeText, "sip"u8) => UriScheme.Sip,
            4 when SipChars.EqualsIgnoreCase(schemeText, "sips"u8) => UriScheme.Sips,
            3 when SipChars.EqualsIgnoreCase(schemeText, "tel"u8) => UriScheme.Tel,
            _ => UriScheme.Other,
        };
        if (SipChars.ContainsWs(s)) { reason = "whitespace in URI"; return false; }
        int restStart = colon + 1;
        if (scheme == UriScheme.Other)
        {
            if (restStart >= s.Length) { reason = "empty URI"; return false; }
            uri = new SipUri(text, scheme, default, default, default, HostKind.None, 0, default, default, new TextRange(restStart, s.Length - restStart));
            reason = "";
            return true;
        }
        if (scheme == UriScheme.Tel) return ParseTel(text, restStart, out uri, out reason);
        return ParseSip(text, scheme, restStart, out uri, out reason);
    }

    private static bool ParseTel(ReadOnlyMemory<byte> text, int start, out SipUri uri, out string reason)
    {
        var s = text.Span;
        int semi = s[start..].IndexOf((byte)';');
        int numEnd = semi < 0 ? s.Length : start + semi;
        uri = default;
        if (numEnd == start) { reason = "tel URI has no number"; return false; }
        var prms = semi < 0 ? default : new TextRange(numEnd + 1, s.Length - numEnd - 1);
        if (prms.Of(s).Count((byte)';') >= MaxParams) { reason = "too many URI parameters"; return false; }
        uri = new SipUri(text, UriScheme.Tel, new TextRange(start, numEnd - start), default, default, HostKind.None, 0, prms, default, default);
        reason = "";
        return true;
    }

    private static bool ParseSip(ReadOnlyMemory<byte> text, UriScheme scheme, int start, out SipUri uri, out string reason)
    {
        var s = text.Span;
        uri = default;
        TextRange user = default, password = default;
        int hostStart = start;
        // userinfo ends at '@'; '@' cannot appear unescaped elsewhere in a SIP URI (RFC 3261 §25.1).
        int at = s[start..].IndexOf((byte)'@');
        if (at >= 0)
        {
            int uiEnd = start + at;
            int pw = s[start..uiEnd].IndexOf((byte)':');
            if (pw >= 0)
            {
                user = new TextRange(start, pw);
                password = new TextRange(start + pw + 1, uiEnd - start - pw - 1);
            }
            else
            {
                user = new TextRange(start, uiEnd - start);
            }
            if (user.Length == 0) { reason = "empty user part in URI"; return false; }
            if (!ValidEscapes(user.Of(s))) { reason = "bad escape in URI user part"; return false; }
            hostStart = uiEnd + 1;
        }
        if (hostStart >= s.Length) { reason = "URI has no host"; return false; }
        int i = hostStart;
        HostKind kind;
        if (s[i] == (byte)'[')
        {
            int close = s[i..].IndexOf((byte)']');
            if (close < 0) { reason = "unterminated IPv6 reference in URI"; return false; }
            i += close + 1;
            if (!IsIPv6(s[(hostStart + 1)..(i - 1)])) { reason = "bad IPv6 reference in URI"; return false; }
            kind = HostKind.IPv6;
        }
        else
        {
            while (i < s.Length && s[i] != (byte)':' && s[i] != (byte)';' && s[i] != (byte)'?') i++;
            if (i == hostStart) { reason = "URI has no host"; return false; }
            kind = ClassifyHost(s[hostStart..i]);
            if (kind == HostKind.None) { reason = "bad host in URI"; return false; }
        }
        var host = new TextRange(hostStart, i - hostStart);
        int port = 0;
        if (i < s.Length && s[i] == (byte)':')
        {
            int ps = ++i;
            while (i < s.Length && SipChars.IsDigit(s[i])) i++;
            if (i == ps || i - ps > 5 || !SipChars.TryParseInt(s[ps..i], out port) || port > 65535 || port == 0)
            {
                reason = "bad port in URI";
                return false;
            }
            if (i < s.Length && s[i] != (byte)';' && s[i] != (byte)'?') { reason = "bad port in URI"; return false; }
        }
        TextRange prms = default, hdrs = default;
        if (i < s.Length && s[i] == (byte)';')
        {
            int ps = i + 1;
            int q = s[ps..].IndexOf((byte)'?');
            int pe = q < 0 ? s.Length : ps + q;
            prms = new TextRange(ps, pe - ps);
            if (!Params.Validate(prms.Of(s))) { reason = "bad URI parameter"; return false; }
            if (prms.Of(s).Count((byte)';') >= MaxParams) { reason = "too many URI parameters"; return false; }
            i = pe;
        }
        if (i < s.Length && s[i] == (byte)'?')
        {
            hdrs = new TextRange(i + 1, s.Length - i - 1);
            if (hdrs.Length == 0) { reason = "empty URI headers"; return false; }
            if (hdrs.Of(s).Count((byte)'&') >= MaxParams) { reason = "too many URI headers"; return false; }
        }
        uri = new SipUri(text, scheme, user, password, host, kind, port, prms, hdrs, default);
        reason = "";
        return true;
    }

    private static bool ValidEscapes(ReadOnlySpan<byte> s)
    {
        for (int i = s.IndexOf((byte)'%'); i >= 0 && i < s.Length; )
        {
            if (SipChars.Unhex(s, i) < 0) return false;
            int next = s[(i + 3)..].IndexOf((byte)'%');
            i = next < 0 ? -1 : i + 3 + next;
        }
        return true;
    }

    /// <summary>Classifies a host: a dotted quad, a domain name (alphanum, '-', '.'), or neither.</summary>
    public static HostKind ClassifyHost(ReadOnlySpan<byte> h)
    {
        if (h.IsEmpty) return HostKind.None;
        if (h[0] == (byte)'[') return h.Length > 2 && h[^1] == (byte)']' && IsIPv6(h[1..^1]) ? HostKind.IPv6 : HostKind.None;
        if (IsIPv4(h)) return HostKind.IPv4;
        foreach (var c in h)
        {
            if (!(SipChars.IsAlpha(c) || SipChars.IsDigit(c) || c == '-' || c == '.' || c == '_')) return HostKind.None;
        }
        return HostKind.Name;
    }

    public static bool IsIPv4(ReadOnlySpan<byte> h)
    {
        int dots = 0, digits = 0, val = 0;
        foreach (var c in h)
        {
            if (c == '.')
            {
                if (digits == 0) return false;
                dots++;
                digits = 0;
                val = 0;
            }
            else if (SipChars.IsDigit(c))
            {
                if (++digits > 3) return false;
                val = val * 10 + (c - '0');
                if (val > 255) return false;
            }
            else return false;
        }
        return dots == 3 && digits > 0;
    }

    /// <summary>IPv6 text check. Accepts the "three colons" form RFC 5118 §4.10 says to tolerate.</summary>
    public static bool IsIPv6(ReadOnlySpan<byte> h)
    {
        if (h.Length < 2) return false;
        int colons = 0;
        foreach (var c in h)
        {
            if (c == ':') colons++;
            else if (!(SipChars.HexValue(c) >= 0 || c == '.')) return false;
        }
        return colons >= 2;
    }

    /// <summary>URI equivalence of RFC 3261 §19.1.4.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool Equivalent(in SipUri a, in SipUri b) => UriComparer.Equivalent(a, b);
}
