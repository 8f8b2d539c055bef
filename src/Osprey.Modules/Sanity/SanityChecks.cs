using System.Text;
using Osprey.Sip.Digest;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Modules.Sanity;

/// <summary>The checks of <c>sanity_check(msg_checks, uri_checks)</c>, by Kamailio's bit values.</summary>
[Flags]
public enum SanityCheck
{
    None = 0,
    RuriSipVersion = 1,
    RuriScheme = 2,
    RequiredHeaders = 4,
    /// <summary>Accepted and, as in Kamailio, not performed.</summary>
    ViaSipVersion = 8,
    /// <summary>Accepted and, as in Kamailio, not performed.</summary>
    ViaProtocol = 16,
    CSeqMethod = 32,
    CSeqValue = 64,
    ContentLength = 128,
    ExpiresValue = 256,
    ProxyRequire = 512,
    ParseUris = 1024,
    DigestCredentials = 2048,
    DuplicateTags = 4096,
    AuthorizationHeader = 8192,
    FirstVia = 16384,
}

/// <summary>Which URIs the <see cref="SanityCheck.ParseUris"/> check parses (<c>uri_checks</c>).</summary>
[Flags]
public enum SanityUriCheck
{
    None = 0,
    RequestUri = 1,
    From = 2,
    To = 4,
    Contact = 8,
}

/// <summary>Why a message failed: the reply to send (Status 0: fail without replying, as Kamailio does
/// when it cannot or should not answer) and the check that failed.</summary>
public readonly record struct SanityFailure(SanityCheck Check, int Status, string Reason, string? Unsupported = null)
{
    public static readonly SanityFailure None = default;
    public bool Failed => Check != SanityCheck.None;
}

/// <summary>
/// The sanity checks themselves, on a parsed message, with the status and reason phrase Kamailio 5.6
/// answers each failure with (observed with the installed Kamailio where it reaches the module).
/// Checks run in the order of their bit values; the first failure wins.
/// </summary>
public static class SanityChecks
{
    public static SanityFailure Run(SipMessage m, SanityCheck checks, SanityUriCheck uriChecks, IReadOnlyList<byte[]> proxyRequire, bool datagram)
    {
        if (m.IsRequest)
        {
            if ((checks & SanityCheck.RuriSipVersion) != 0 && !RequestLineVersion(m).SequenceEqual("SIP/2.0"u8))
            {
                return new(SanityCheck.RuriSipVersion, 505, "Version Not Supported");
            }
            if ((checks & SanityCheck.RuriScheme) != 0)
            {
                var u = m.RequestUri;
                // sip, sips, tel and tels are supported
                if (!u.IsValid || (u.Scheme == UriScheme.Other && !SipChars.EqualsIgnoreCase(u.Raw[..Math.Min(5, u.Raw.Length)], "tels:"u8)))
                {
                    return new(SanityCheck.RuriScheme, 400, "Bad Request URI");
                }
            }
        }
        if ((checks & SanityCheck.RequiredHeaders) != 0 && m.IsRequest
            && (!m.Has(HeaderId.To) || !m.Has(HeaderId.From) || !m.Has(HeaderId.CSeq) || !m.Has(HeaderId.CallId) || !m.Has(HeaderId.Via)))
        {
            return new(SanityCheck.RequiredHeaders, 400, "Missing Required Header in Request");
        }
        if ((checks & SanityCheck.CSeqMethod) != 0 && m.IsRequest)
        {
            int i = m.IndexOf(HeaderId.CSeq);
            if (i >= 0)
            {
                var method = CSeqParts(m.ValueAt(i), out _);
                if (!method.SequenceEqual(m.MethodText)) return new(SanityCheck.CSeqMethod, 400, "CSeq method does not match request method");
            }
        }
        if ((checks & SanityCheck.CSeqValue) != 0)
        {
            int i = m.IndexOf(HeaderId.CSeq);
            if (i >= 0)
            {
                CSeqParts(m.ValueAt(i), out var number);
                if (!SipChars.TryParseUInt(number, uint.MaxValue, out _)) return new(SanityCheck.CSeqValue, 400, "CSeq number is illegal");
            }
        }
        if ((checks & SanityCheck.ContentLength) != 0 && m.IsRequest)
        {
            if (m.MissingEmptyLine) return new(SanityCheck.ContentLength, 400, "Content-Length Body Failure");
            // on a datagram everything after the headers is the body: trailing octets are a mismatch
            int actual = datagram ? m.Buffer.Length - m.BodyStart : m.BodyLength;
            if (m.ContentLength >= 0 && m.ContentLength != actual) return new(SanityCheck.ContentLength, 400, "Content-Length mis-match");
        }
        if ((checks & SanityCheck.ExpiresValue) != 0 && m.IsRequest)
        {
            for (int i = m.IndexOf(HeaderId.Expires); i >= 0; i = m.NextIndexOf(HeaderId.Expires, i))
            {
                if (!SipChars.TryParseUInt(m.ValueAt(i), uint.MaxValue, out _)) return new(SanityCheck.ExpiresValue, 400, "Expires value is illegal");
            }
        }
        if ((checks & SanityCheck.ProxyRequire) != 0 && m.IsRequest)
        {
            for (int i = m.IndexOf(HeaderId.ProxyRequire); i >= 0; i = m.NextIndexOf(HeaderId.ProxyRequire, i))
            {
                var v = m.ValueAt(i);
                foreach (var r in v.Split((byte)','))
                {
                    var token = SipChars.Trim(v[r]);
                    if (token.IsEmpty || IsSupported(token, proxyRequire)) continue;
                    // RFC 3261 §8.2.2.3 / §16.3: 420 naming the extension; Kamailio names the first one
                    return new(SanityCheck.ProxyRequire, 420, "Bad Proxy Require Extension", Encoding.UTF8.GetString(token));
                }
            }
        }
        if ((checks & SanityCheck.ParseUris) != 0 && m.IsRequest)
        {
            var f = CheckUris(m, uriChecks);
            if (f.Failed) return f;
        }
        if ((checks & SanityCheck.DigestCredentials) != 0 && m.IsRequest)
        {
            var f = CheckCredentials(m, HeaderId.Authorization, SanityCheck.DigestCredentials, nonDigestFails: m.Method == SipMethod.Register);
            if (!f.Failed) f = CheckCredentials(m, HeaderId.ProxyAuthorization, SanityCheck.DigestCredentials, nonDigestFails: m.Method == SipMethod.Register);
            if (f.Failed) return f;
        }
        if ((checks & SanityCheck.DuplicateTags) != 0)
        {
            if (TagCount(m, HeaderId.To) > 1) return new(SanityCheck.DuplicateTags, 400, "Many To Tag Params");
            if (TagCount(m, HeaderId.From) > 1) return new(SanityCheck.DuplicateTags, 400, "Many From Tag Params");
        }
        if ((checks & SanityCheck.AuthorizationHeader) != 0 && m.IsRequest)
        {
            var f = CheckCredentials(m, HeaderId.Authorization, SanityCheck.AuthorizationHeader, nonDigestFails: false);
            if (f.Failed) return f;
        }
        if ((checks & SanityCheck.FirstVia) != 0)
        {
            ref readonly var via = ref m.TopVia;
            if (!via.IsValid || via.HostRange.Length == 0) return new(SanityCheck.FirstVia, 400, "Invalid Via Header");
        }
        return SanityFailure.None;
    }

    private static ReadOnlySpan<byte> RequestLineVersion(SipMessage m)
    {
        var s = m.Span;
        int start = m.RequestUriRange.End;
        int end = m.HeadersStart;
        while (end > start && (s[end - 1] == (byte)'\n' || s[end - 1] == (byte)'\r')) end--;
        return SipChars.Trim(s[start..end]);
    }

    private static ReadOnlySpan<byte> CSeqParts(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> number)
    {
        value = SipChars.Trim(value);
        int i = 0;
        while (i < value.Length && !SipChars.IsWs(value[i])) i++;
        number = value[..i];
        return SipChars.Trim(value[i..]);
    }

    private static bool IsSupported(ReadOnlySpan<byte> token, IReadOnlyList<byte[]> supported)
    {
        for (int i = 0; i < supported.Count; i++)
        {
            if (SipChars.EqualsIgnoreCase(token, supported[i])) return true;
        }
        return false;
    }

    private static SanityFailure CheckUris(SipMessage m, SanityUriCheck uriChecks)
    {
        if ((uriChecks & SanityUriCheck.RequestUri) != 0 && !m.RequestUri.IsValid) return new(SanityCheck.ParseUris, 400, "Bad Request URI");
        if ((uriChecks & SanityUriCheck.From) != 0 && (!m.From.IsValid || !m.From.Uri.IsValid)) return new(SanityCheck.ParseUris, 400, "Invalid From Header");
        // "Ivalid" is Kamailio's spelling of this reason phrase; kept so that peers see the same reply
        if ((uriChecks & SanityUriCheck.To) != 0 && (!m.To.IsValid || !m.To.Uri.IsValid)) return new(SanityCheck.ParseUris, 400, "Ivalid To Header");
        if ((uriChecks & SanityUriCheck.Contact) != 0 && m.Has(HeaderId.Contact))
        {
            Span<NameAddr> one = [default];
            m.ParseAddresses(HeaderId.Contact, one, out bool malformed);
            if (malformed) return new(SanityCheck.ParseUris, 400, "Invalid Contact Header");
        }
        return SanityFailure.None;
    }

    private static SanityFailure CheckCredentials(SipMessage m, HeaderId id, SanityCheck check, bool nonDigestFails)
    {
        for (int i = m.IndexOf(id); i >= 0; i = m.NextIndexOf(id, i))
        {
            var v = m.ValueAt(i);
            int sp = v.IndexOfAny((byte)' ', (byte)'\t');
            var scheme = sp < 0 ? v : v[..sp];
            if (!SipChars.EqualsIgnoreCase(scheme, "Digest"u8))
            {
                // a scheme Kamailio cannot check: a REGISTER fails without a reply (RFC 4475 regaut01), other
                // requests pass
                if (nonDigestFails) return new(check, 0, "Unsupported authorization scheme");
                continue;
            }
            if (!DigestCredentials.TryParse(v, out var c, out _)
                || c.Username.IsEmpty || c.Realm.IsEmpty || c.Nonce.IsEmpty || c.Uri.IsEmpty || c.Response.IsEmpty
                || (!c.QopToken.IsEmpty && (c.NonceCountToken.IsEmpty || c.Cnonce.IsEmpty)))
            {
                return new(check, 400, "Bad Auth Credentials");
            }
        }
        return SanityFailure.None;
    }

    private static int TagCount(SipMessage m, HeaderId id)
    {
        ref readonly var na = ref (id == HeaderId.To ? ref m.To : ref m.From);
        if (!na.IsValid) return 0;
        int n = 0;
        var e = new Params.Enumerator(na.Parameters);
        while (e.MoveNext())
        {
            if (SipChars.EqualsIgnoreCase(e.Name, "tag"u8)) n++;
        }
        return n;
    }
}
