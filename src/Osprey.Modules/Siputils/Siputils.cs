using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Modules.Textops;
using Osprey.Sip.Digest;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Modules.Siputils;

/// <summary>
/// Kamailio's siputils: tests on the message and its URIs, OPTIONS answering, URI parameter edits,
/// number and URI helpers.
/// </summary>
[Module("siputils")]
public sealed class Siputils : ModuleBase
{
    private const int True = 1, False = -1;
    private byte[] _optionsHeaders = [];

    [ModParam("options_accept")] public string OptionsAccept { get; set; } = "*/*";
    [ModParam("options_accept_encoding")] public string OptionsAcceptEncoding { get; set; } = "";
    [ModParam("options_accept_language")] public string OptionsAcceptLanguage { get; set; } = "en";
    [ModParam("options_support")] public string OptionsSupport { get; set; } = "";

    public override string? Init()
    {
        // the capability headers of options_reply, built once (Kamailio sends all four, even when empty)
        _optionsHeaders = Encoding.UTF8.GetBytes("Accept: " + OptionsAccept + "\r\nAccept-Encoding: " + OptionsAcceptEncoding
            + "\r\nAccept-Language: " + OptionsAcceptLanguage + "\r\nSupported: " + OptionsSupport + "\r\n");
        return null;
    }

    // ---- message tests -----------------------------------------------------------------------

    [Function("has_totag", RouteTypes.Any)]
    public int HasTotag(MessageContext ctx) => ctx.Message.To.HasTag ? True : False;

    [Function("is_request", RouteTypes.Any)]
    public int IsRequest(MessageContext ctx) => ctx.Message.IsRequest ? True : False;

    [Function("is_reply", RouteTypes.Any)]
    public int IsReply(MessageContext ctx) => ctx.Message.IsReply ? True : False;

    [Function("is_first_hop", RouteTypes.Any)]
    public int IsFirstHop(MessageContext ctx) => IsFirstHop(ctx, 0);

    /// <summary><c>is_first_hop([mode])</c>: a request with a single Via (straight from its sender); a reply
    /// whose top Record-Route is this proxy — with mode 0 only when that Record-Route has an IP address
    /// and the reply did not come from one of our own addresses (a local loop).</summary>
    [Function("is_first_hop", RouteTypes.Any)]
    public int IsFirstHop(MessageContext ctx, int mode)
    {
        var m = ctx.Message;
        if (m.IsRequest) return m.ViaCount == 1 ? True : False;
        Span<NameAddr> rr = [default];
        if (m.ParseAddresses(HeaderId.RecordRoute, rr, out _) == 0) return False;
        var uri = rr[0].Uri;
        if (!uri.IsValid || !uri.IsSipOrSips) return False;
        if (!ctx.Server.Myself.IsMyself(uri.Host, uri.Port)) return False;
        if (mode == 1) return True;
        if (uri.HostKind is not (HostKind.IPv4 or HostKind.IPv6)) return False;
        Span<byte> src = stackalloc byte[64];
        if (!ctx.Source.Address.TryFormat(src, out int n)) return False;
        return ctx.Server.Myself.IsMyHost(src[..n]) ? False : True;
    }

    /// <summary><c>is_supported(option)</c>: the option is listed in the Supported header(s).</summary>
    [Function("is_supported", RouteTypes.Any)]
    public int IsSupported(MessageContext ctx, string option)
    {
        var want = HeaderNameMatch.Bytes(option, stackalloc byte[64]);
        var m = ctx.Message;
        for (int i = m.IndexOf(HeaderId.Supported); i >= 0; i = m.NextIndexOf(HeaderId.Supported, i))
        {
            var v = m.ValueAt(i);
            foreach (var r in v.Split((byte)','))
            {
                if (SipChars.EqualsIgnoreCase(SipChars.Trim(v[r]), want)) return True;
            }
        }
        return False;
    }

    /// <summary><c>is_user(username)</c>: the username of the request's credentials (Proxy-Authorization,
    /// else Authorization) is <paramref name="user"/>.</summary>
    [Function("is_user", RouteTypes.Request)]
    public int IsUser(MessageContext ctx, string user)
    {
        var m = ctx.Message;
        int i = m.IndexOf(HeaderId.ProxyAuthorization);
        if (i < 0) i = m.IndexOf(HeaderId.Authorization);
        if (i < 0 || !DigestCredentials.TryParse(m.ValueAt(i), out var c, out _)) return False;
        var want = HeaderNameMatch.Bytes(user, stackalloc byte[256]);
        return c.Username.SequenceEqual(want) ? True : False;
    }

    // ---- OPTIONS -----------------------------------------------------------------------------

    /// <summary><c>options_reply()</c>: answers an OPTIONS to a Request-URI without user (the server itself)
    /// with 200 OK and the capability headers of the options_* parameters; false for any other request.</summary>
    [Function("options_reply", RouteTypes.Request)]
    public int OptionsReply(MessageContext ctx)
    {
        var m = ctx.Message;
        if (m.Method != SipMethod.Options || !m.RequestUri.IsValid || m.RequestUri.HasUser) return False;
        if (_optionsHeaders.Length == 0) Init();
        var extra = ctx.ReplyHeaders;
        int n = extra.Length + _optionsHeaders.Length;
        Span<byte> all = n <= 1024 ? stackalloc byte[n] : new byte[n];
        extra.CopyTo(all);
        _optionsHeaders.CopyTo(all[extra.Length..]);
        if (ctx.Server.Replier.Reply(ctx, 200, "OK"u8, all)) return True;
        // "500 Server Internal Error" when the answer could not be sent (as the manual says)
        ctx.Server.Replier.Reply(ctx, 500, "Server Internal Error"u8);
        return False;
    }

    // ---- Request-URI parameters --------------------------------------------------------------

    /// <summary><c>uri_param(name)</c>: the Request-URI has the parameter, without a value.</summary>
    [Function("uri_param", RouteTypes.Request)]
    public int UriParam(MessageContext ctx, string name)
    {
        if (!TryRequestUri(ctx, out var uri)) return False;
        var e = new Params.Enumerator(uri.Parameters);
        var n = HeaderNameMatch.Bytes(name, stackalloc byte[128]);
        while (e.MoveNext())
        {
            if (SipChars.EqualsIgnoreCase(e.Name, n) && !e.HasValue) return True;
        }
        return False;
    }

    /// <summary><c>uri_param(name, value)</c>: the Request-URI has the parameter with this value.</summary>
    [Function("uri_param", RouteTypes.Request)]
    public int UriParam(MessageContext ctx, string name, string value)
    {
        if (!TryRequestUri(ctx, out var uri)) return False;
        var n = HeaderNameMatch.Bytes(name, stackalloc byte[128]);
        var v = HeaderNameMatch.Bytes(value, stackalloc byte[256]);
        return uri.TryGetParam(n, out var got) && got.SequenceEqual(v) ? True : False;
    }

    /// <summary><c>uri_param_any(name)</c>: the Request-URI has the parameter, with or without value.</summary>
    [Function("uri_param_any", RouteTypes.Request)]
    public int UriParamAny(MessageContext ctx, string name)
    {
        if (!TryRequestUri(ctx, out var uri)) return False;
        return uri.HasParam(HeaderNameMatch.Bytes(name, stackalloc byte[128])) ? True : False;
    }

    /// <summary><c>add_uri_param(param)</c>: appends <c>;param</c> to the Request-URI (before any URI headers).</summary>
    [Function("add_uri_param", RouteTypes.Request)]
    public int AddUriParam(MessageContext ctx, string param)
    {
        if (string.IsNullOrEmpty(param) || !ctx.Message.IsRequest) return False;
        string ruri = CurrentRequestUri(ctx);
        int q = ruri.IndexOf('?');
        ctx.NewRequestUri = q < 0 ? ruri + ";" + param : string.Concat(ruri.AsSpan(0, q), ";", param, ruri.AsSpan(q));
        return True;
    }

    /// <summary><c>uri_param_rm(name)</c>: removes the parameter from the Request-URI.</summary>
    [Function("uri_param_rm", RouteTypes.Request)]
    public int UriParamRm(MessageContext ctx, string name)
    {
        if (!TryRequestUri(ctx, out var uri)) return False;
        var n = HeaderNameMatch.Bytes(name, stackalloc byte[128]);
        var raw = uri.Raw;
        var prm = uri.Parameters;
        int prmStart = SipChars.RangeOf(raw, prm).Start;
        var e = new Params.Enumerator(prm);
        while (e.MoveNext())
        {
            if (!SipChars.EqualsIgnoreCase(e.Name, n)) continue;
            // remove ";segment" (the ';' before the segment belongs to it)
            int from = prmStart + e.SegmentStart - 1, to = prmStart + e.SegmentEnd;
            ctx.NewRequestUri = Encoding.UTF8.GetString(raw[..from]) + Encoding.UTF8.GetString(raw[to..]);
            return True;
        }
        return False;
    }

    private static string CurrentRequestUri(MessageContext ctx) =>
        ctx.NewRequestUri ?? Encoding.UTF8.GetString(ctx.Message.RequestUriText);

    private static bool TryRequestUri(MessageContext ctx, out SipUri uri)
    {
        if (!ctx.Message.IsRequest) { uri = default; return false; }
        if (ctx.NewRequestUri is { } nu) return SipUri.TryParse(nu, out uri);
        uri = ctx.Message.RequestUri;
        return uri.IsValid;
    }

    // ---- URI and number tests ----------------------------------------------------------------

    /// <summary><c>is_gruu([uri])</c>: 1 for a public GRUU (<c>gr=</c> with a value), 2 for a temporary one
    /// (<c>gr</c> without value, RFC 5627 §3.2), false otherwise.</summary>
    [Function("is_gruu", RouteTypes.Any)]
    public int IsGruu(MessageContext ctx) => TryRequestUri(ctx, out var u) ? Gruu(u) : False;

    [Function("is_gruu", RouteTypes.Any)]
    public int IsGruu(MessageContext ctx, string uri) => SipUri.TryParse(uri, out var u) ? Gruu(u) : False;

    private static int Gruu(in SipUri u)
    {
        var e = new Params.Enumerator(u.Parameters);
        while (e.MoveNext())
        {
            if (SipChars.EqualsIgnoreCase(e.Name, "gr"u8)) return e.HasValue ? 1 : 2;
        }
        return False;
    }

    /// <summary><c>is_e164(s)</c>: '+' and 2 to 15 digits (ITU-T E.164).</summary>
    [Function("is_e164", RouteTypes.Any)]
    public int IsE164(MessageContext ctx, string s) => IsE164(s.AsSpan()) ? True : False;

    internal static bool IsE164(ReadOnlySpan<char> s)
    {
        if (s.Length < 3 || s.Length > 16 || s[0] != '+') return false;
        foreach (var c in s[1..])
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        return true;
    }

    /// <summary><c>is_uri_user_e164(uri)</c>: the user part of the URI is an E.164 number.</summary>
    [Function("is_uri_user_e164", RouteTypes.Any)]
    public int IsUriUserE164(MessageContext ctx, string uri)
    {
        if (!SipUri.TryParse(uri, out var u) || !u.IsValid) return False;
        return IsE164(Encoding.UTF8.GetString(u.User)) ? True : False;
    }

    /// <summary><c>is_uri(s)</c>: the value parses as a URI.</summary>
    [Function("is_uri", RouteTypes.Any)]
    public int IsUri(MessageContext ctx, string s) => SipUri.TryParse(s, out _) ? True : False;

    /// <summary><c>is_tel_number(s)</c>: an optional '+' then one or more digits.</summary>
    [Function("is_tel_number", RouteTypes.Any)]
    public int IsTelNumber(MessageContext ctx, string s)
    {
        var v = s.AsSpan();
        if (v.Length > 0 && v[0] == '+') v = v[1..];
        return v.Length > 0 && !v.ContainsAnyExceptInRange('0', '9') ? True : False;
    }

    [Function("is_numeric", RouteTypes.Any)]
    public int IsNumeric(MessageContext ctx, string s) => s.Length > 0 && !s.AsSpan().ContainsAnyExceptInRange('0', '9') ? True : False;

    [Function("is_alphanum", RouteTypes.Any)]
    public int IsAlphanum(MessageContext ctx, string s)
    {
        if (s.Length == 0) return False;
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c)) return False;
        }
        return True;
    }

    /// <summary><c>is_alphanumex(s, extra)</c>: letters, digits and the characters of <paramref name="extra"/>.</summary>
    [Function("is_alphanumex", RouteTypes.Any)]
    public int IsAlphanumEx(MessageContext ctx, string s, string extra)
    {
        if (s.Length == 0) return False;
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && extra.IndexOf(c) < 0) return False;
        }
        return True;
    }

    /// <summary><c>cmp_uri(a, b)</c>: the URIs are equivalent by RFC 3261 §19.1.4.</summary>
    [Function("cmp_uri", RouteTypes.Any)]
    public int CmpUri(MessageContext ctx, string a, string b)
    {
        if (!SipUri.TryParse(a, out var ua) || !SipUri.TryParse(b, out var ub)) return False;
        return SipUri.Equivalent(ua, ub) ? True : False;
    }

    /// <summary><c>cmp_aor(a, b)</c>: same address of record — user (case-sensitive, escapes decoded), host
    /// (any case) and port; parameters ignored. A value without scheme is read as a sip: URI.</summary>
    [Function("cmp_aor", RouteTypes.Any)]
    public int CmpAor(MessageContext ctx, string a, string b)
    {
        if (!TryAor(a, out var ua) || !TryAor(b, out var ub)) return False;
        if (!Unescaped(ua.User).SequenceEqual(Unescaped(ub.User))) return False;
        if (!SipChars.EqualsIgnoreCase(ua.Host, ub.Host)) return False;
        return ua.PortOrDefault == ub.PortOrDefault ? True : False;
    }

    private static bool TryAor(string s, out SipUri uri)
    {
        if (SipUri.TryParse(s, out uri) && uri.IsSipOrSips) return true;
        return s.IndexOf(':') is < 0 or > 4 && SipUri.TryParse("sip:" + s, out uri) && uri.IsSipOrSips;
    }

    private static byte[] Unescaped(ReadOnlySpan<byte> s)
    {
        var o = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            int v = s[i] == (byte)'%' ? SipChars.Unhex(s, i) : -1;
            if (v >= 0) { o.Add((byte)v); i += 2; }
            else o.Add(s[i]);
        }
        return [.. o];
    }

    /// <summary>
    /// <c>tel2sip</c>'s conversion (RFC 3261 §19.1.6): a tel URI becomes
    /// <c>sip:number;params@host;user=phone</c> with visual separators removed from the number and the
    /// parameters in lower case. Returns the SIP URI and code 1, the input unchanged and code 2 when it is
    /// not a tel URI, or null and -1 when it is malformed. (The script function writes its result to a
    /// variable; that needs the compiler's pseudo-variable writer and is bound there.)
    /// </summary>
    public static string? TelToSip(string uri, string host, out int code)
    {
        if (!uri.StartsWith("tel:", StringComparison.OrdinalIgnoreCase))
        {
            code = 2;
            return uri;
        }
        var rest = uri.AsSpan(4);
        int semi = rest.IndexOf(';');
        var number = semi < 0 ? rest : rest[..semi];
        var sb = new StringBuilder("sip:");
        foreach (var c in number)
        {
            if (c is '-' or '.' or '(' or ')') continue;
            sb.Append(c);
        }
        if (sb.Length == 4) { code = -1; return null; }
        if (semi >= 0) sb.Append(rest[semi..].ToString().ToLowerInvariant());
        sb.Append('@').Append(host).Append(";user=phone");
        code = 1;
        return sb.ToString();
    }
}
