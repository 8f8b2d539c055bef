using System.Text;
using Osprey.Sip.Digest;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Uri;

namespace Osprey.Fuzz;

/// <summary>
/// The entry points fuzzed: each takes arbitrary bytes and drives one parser through every view it
/// offers. Any exception escaping a target is a bug (ARCHITECTURE.md: malformed input yields a typed
/// parse error, never an exception).
/// </summary>
public static class FuzzTargets
{
    /// <summary>Target names accepted on the command line, with their entry points.</summary>
    public static IReadOnlyDictionary<string, Action<ReadOnlyMemory<byte>>> All { get; } =
        new Dictionary<string, Action<ReadOnlyMemory<byte>>>(StringComparer.Ordinal)
        {
            ["message"] = Message,
            ["uri"] = Uri,
            ["digest"] = Digest,
        };

    // Parsed on first use, never in a static constructor: under AFL, instrumented Osprey.Sip code must not
    // run before Fuzzer.Run has mapped the coverage memory.
    private static SipUri? _fixedUri;

    private static SipUri FixedUri => _fixedUri ??= ParseFixed("sip:alice:secret@Example.COM:5060;transport=udp;lr;maddr=10.0.0.1?subject=hi");

    // A sink so the JIT cannot drop reads whose only effect is touching memory.
    private static long _sink;

    public static long Sink => _sink;

    /// <summary>SipMessage.Parse (both framings) + Validate + every typed view.</summary>
    public static void Message(ReadOnlyMemory<byte> data)
    {
        var m = SipMessage.Parse(data, Framing.Datagram, out var err);
        Touch(err);
        if (m is not null)
        {
            long before = _sink;
            TouchMessage(m);
            long first = _sink - before;
            m.Detach();
            before = _sink;
            TouchMessage(m);
            // Detach copies the message; every view must read the same afterwards (a wrong result otherwise).
            if (_sink - before != first) throw new InvalidOperationException("views differ after Detach");
        }
        var ms = SipMessage.Parse(data, Framing.Stream, out err);
        Touch(err);
        if (ms is not null) Touch(ms.Validate());
    }

    private static void TouchMessage(SipMessage m)
    {
        Touch(m.Validate());
        _sink += m.IsRequest ? (int)m.Method + m.MethodText.Length + m.RequestUriText.Length : m.StatusCode + m.Reason.Length;
        _sink += m.HeadersStart + m.HeadersEnd + m.BodyStart + m.Body.Length + m.ContentLength + m.Length;
        if (m.IsRequest)
        {
            ref readonly var ru = ref m.RequestUri;
            TouchUri(ru);
        }
        ref readonly var via = ref m.TopVia;
        TouchVia(via);
        TouchAddress(m.From);
        TouchAddress(m.To);
        if (m.From.IsValid && m.To.IsValid)
        {
            var f = m.From.Uri;
            var t = m.To.Uri;
            _sink += SipUri.Equivalent(f, t) ? 1 : 0;
        }
        ref readonly var cseq = ref m.CSeq;
        _sink += cseq.IsValid ? cseq.Number + (uint)cseq.Method + (uint)cseq.MethodRange.Length : 0;
        _sink += m.CallId.Length + m.MaxForwards + m.Expires + m.MinExpires + m.UserAgent.Length + m.Server.Length;
        _sink += (m.TryGetContentType(out _) ? 1 : 0) + (m.TryGetEvent(out _) ? 1 : 0) + (m.TryGetSubscriptionState(out _) ? 1 : 0);
        _sink += (m.TryGetRetryAfter(out _) ? 1 : 0) + (m.AllowsMethod("INVITE"u8) ? 1 : 0) + (m.ListContains(HeaderId.Supported, "100rel"u8) ? 1 : 0);
        foreach (var id in (ReadOnlySpan<HeaderId>)[HeaderId.Authorization, HeaderId.ProxyAuthorization])
        {
            if (m.TryGetCredentials(id, out var cred, out var e1)) TouchCredentials(cred);
            _sink += (int)e1.Code;
        }
        foreach (var id in (ReadOnlySpan<HeaderId>)[HeaderId.WwwAuthenticate, HeaderId.ProxyAuthenticate])
        {
            if (m.TryGetChallenge(id, out var ch, out var e2)) TouchChallenge(ch);
            _sink += (int)e2.Code;
        }

        // Walking every via-parm with TryGetVia(n) is quadratic by construction; the first few are enough.
        int vias = m.ViaCount;
        for (int n = 0; n < Math.Min(vias, 16) + 1; n++)
        {
            if (m.TryGetVia(n, out var v)) TouchVia(v);
        }

        var addrs = AddressScratch;
        foreach (var id in AddressHeaders)
        {
            int count = m.ParseAddresses(id, addrs, out bool malformed);
            _sink += count + (malformed ? 1 : 0);
            for (int k = 0; k < Math.Min(count, addrs.Length); k++) TouchAddress(addrs[k]);
        }

        for (int i = 0; i < m.HeaderCount; i++)
        {
            ref readonly var h = ref m.Header(i);
            _sink += (int)h.Id + h.LineStart + h.LineEnd + h.Name.Length;
            _sink += m.ValueString(i).Length + m.ValueAt(i).Length;
            if (h.Id == HeaderId.Other) _sink += m.IndexOf(h.Name.Of(m.Span));
        }
        _sink += m.ToString().Length;
    }

    private static readonly NameAddr[] AddressScratch = new NameAddr[8];

    private static readonly HeaderId[] AddressHeaders =
        [HeaderId.Contact, HeaderId.Route, HeaderId.RecordRoute, HeaderId.Path, HeaderId.From, HeaderId.To];

    /// <summary>SipUri.TryParse + Equivalent with itself and with a fixed URI + every accessor.</summary>
    public static void Uri(ReadOnlyMemory<byte> data)
    {
        bool ok = SipUri.TryParse(data, out var uri, out var reason);
        _sink += reason.Length;
        if (!ok) return;
        TouchUri(uri);
        // Equivalence results are not asserted: with repeated parameters (";lr;lr=x") RFC 3261 §19.1.4 leaves
        // the outcome open. Only crashes and time count here.
        _sink += SipUri.Equivalent(uri, uri) ? 1 : 0;
        _sink += SipUri.Equivalent(uri, FixedUri) ? 1 : 0;
        _sink += SipUri.Equivalent(FixedUri, uri) ? 1 : 0;
    }

    /// <summary>Authorization/WWW-Authenticate values: DigestCredentials and DigestChallenge parse, every
    /// auth-param read and unescaped, and the response computed from the parsed fields.</summary>
    public static void Digest(ReadOnlyMemory<byte> data)
    {
        var v = data.Span;
        if (DigestCredentials.TryParse(v, out var cred, out var e1)) TouchCredentials(cred);
        _sink += (int)e1.Code + e1.Offset + (e1.Reason?.Length ?? 0);
        if (DigestChallenge.TryParse(v, out var ch, out var e2)) TouchChallenge(ch);
        _sink += (int)e2.Code + e2.Offset + (e2.Reason?.Length ?? 0);
        TouchParams(v);
    }

    private static void TouchParams(ReadOnlySpan<byte> parameters)
    {
        var reader = new AuthParamReader(parameters);
        Span<byte> unescaped = stackalloc byte[256];
        while (reader.TryRead(out var p))
        {
            _sink += p.Name.Length + p.Value.Length + (p.IsQuoted ? 1 : 0);
            if (p.HasEscapes && p.Value.Length <= unescaped.Length) _sink += AuthParamReader.Unescape(p.Value, unescaped);
            _sink += (int)DigestTokens.ParseAlgorithm(p.Value) + (int)DigestTokens.ParseQop(p.Value);
        }
        _sink += (int)reader.Error.Code;
    }

    private static void TouchCredentials(DigestCredentials c)
    {
        _sink += c.Scheme.Length + c.Username.Length + c.Realm.Length + c.Nonce.Length + c.Uri.Length + c.Response.Length;
        _sink += c.AlgorithmToken.Length + (int)c.Algorithm + c.Cnonce.Length + c.Opaque.Length + c.QopToken.Length + (int)c.Qop;
        _sink += c.NonceCountToken.Length + c.NonceCount + (c.UserHash ? 1 : 0) + (c.HasEscapes ? 1 : 0) + c.UnknownParameterCount;
        TouchParams(c.Parameters);
        if (!c.IsDigest) return;
        // what auth_check does with them: HA1, HA2, response, constant-time compare
        Span<byte> ha1 = stackalloc byte[64], ha2 = stackalloc byte[64], response = stackalloc byte[64];
        if (DigestHash.TryComputeHa1(c.Algorithm, c.Username, c.Realm, "secret"u8, c.Nonce, c.Cnonce, ha1, out int n1)
            && DigestHash.TryComputeHa2(c.Algorithm, "REGISTER"u8, c.Uri, c.Qop, default, ha2, out int n2)
            && DigestHash.TryComputeResponse(c.Algorithm, ha1[..n1], c.Nonce, c.NonceCountToken, c.Cnonce, c.QopToken, ha2[..n2], response, out int n3))
        {
            _sink += DigestHash.ResponseEquals(response[..n3], c.Response) ? 1 : 0;
        }
    }

    private static void TouchChallenge(DigestChallenge c)
    {
        _sink += c.Scheme.Length + c.Realm.Length + c.Domain.Length + c.Nonce.Length + c.Opaque.Length + (c.Stale ? 1 : 0);
        _sink += c.AlgorithmToken.Length + (int)c.Algorithm + c.QopOptions.Length + (int)c.Qop + c.Charset.Length;
        _sink += (c.UserHash ? 1 : 0) + (c.HasEscapes ? 1 : 0) + c.UnknownParameterCount;
        TouchParams(c.Parameters);
    }

    private static void TouchUri(in SipUri u)
    {
        if (!u.IsValid) return;
        _sink += (int)u.Scheme + (int)u.HostKind + u.Port + u.PortOrDefault;
        _sink += u.User.Length + u.Password.Length + u.Host.Length + u.HostAddress.Length + u.Parameters.Length + u.Headers.Length + u.Opaque.Length;
        _sink += (u.HasUser ? 1 : 0) + (u.IsLooseRouter ? 1 : 0) + u.TransportParam.Length + u.Maddr.Length;
        _sink += u.UserString.Length + u.HostString.Length + u.ToString().Length;
        var e = new Params.Enumerator(u.Parameters);
        while (e.MoveNext()) _sink += e.Name.Length + e.Value.Length;
    }

    private static void TouchVia(in ViaHeader v)
    {
        if (!v.IsValid) return;
        _sink += v.Transport.Length + v.Host.Length + v.Port + v.Branch.Length + v.Received.Length + v.Rport.Length;
        _sink += v.Maddr.Length + v.Ttl.Length + v.Parameters.Length + (v.HasMagicCookie ? 1 : 0) + (v.HasRport ? 1 : 0);
        _sink += v.BranchString.Length + v.HostString.Length + v.ToString().Length;
    }

    private static void TouchAddress(in NameAddr a)
    {
        if (!a.IsValid) return;
        _sink += a.DisplayName.Length + a.UriText.Length + a.Parameters.Length + a.Tag.Length + (a.IsStar ? 1 : 0);
        _sink += a.TagString.Length + a.UriString.Length + a.ToString().Length;
        if (!a.IsStar) TouchUri(a.Uri);
    }

    private static void Touch(ParseError e) => _sink += (int)e.Kind + e.Status + (e.Reason?.Length ?? 0);

    private static SipUri ParseFixed(string s)
    {
        if (!SipUri.TryParse(Encoding.ASCII.GetBytes(s), out var u, out var why)) throw new InvalidOperationException(why);
        return u;
    }
}
