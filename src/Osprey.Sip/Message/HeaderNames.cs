using System.Runtime.CompilerServices;
using Osprey.Sip.Text;

namespace Osprey.Sip.Message;

/// <summary>
/// Header name ↔ <see cref="HeaderId"/>, long and compact forms (RFC 3261 §7.3.3 and the
/// extensions that define compact forms), case-insensitive. Lookup buckets names by length so
/// one comparison usually decides; nothing is allocated.
/// </summary>
public static class HeaderNames
{
    // The single table: canonical name, compact form (0 when none), id.
    private static readonly (string Name, char Compact, HeaderId Id)[] Table =
    [
        ("Via", 'v', HeaderId.Via),
        ("From", 'f', HeaderId.From),
        ("To", 't', HeaderId.To),
        ("Call-ID", 'i', HeaderId.CallId),
        ("CSeq", '\0', HeaderId.CSeq),
        ("Contact", 'm', HeaderId.Contact),
        ("Max-Forwards", '\0', HeaderId.MaxForwards),
        ("Content-Length", 'l', HeaderId.ContentLength),
        ("Content-Type", 'c', HeaderId.ContentType),
        ("Route", '\0', HeaderId.Route),
        ("Record-Route", '\0', HeaderId.RecordRoute),
        ("Path", '\0', HeaderId.Path),
        ("Expires", '\0', HeaderId.Expires),
        ("Min-Expires", '\0', HeaderId.MinExpires),
        ("Authorization", '\0', HeaderId.Authorization),
        ("Proxy-Authorization", '\0', HeaderId.ProxyAuthorization),
        ("WWW-Authenticate", '\0', HeaderId.WwwAuthenticate),
        ("Proxy-Authenticate", '\0', HeaderId.ProxyAuthenticate),
        ("Authentication-Info", '\0', HeaderId.AuthenticationInfo),
        ("Event", 'o', HeaderId.Event),
        ("Allow-Events", 'u', HeaderId.AllowEvents),
        ("Subscription-State", '\0', HeaderId.SubscriptionState),
        ("Supported", 'k', HeaderId.Supported),
        ("Require", '\0', HeaderId.Require),
        ("Proxy-Require", '\0', HeaderId.ProxyRequire),
        ("Unsupported", '\0', HeaderId.Unsupported),
        ("Allow", '\0', HeaderId.Allow),
        ("Accept", '\0', HeaderId.Accept),
        ("Accept-Encoding", '\0', HeaderId.AcceptEncoding),
        ("Accept-Language", '\0', HeaderId.AcceptLanguage),
        ("User-Agent", '\0', HeaderId.UserAgent),
        ("Server", '\0', HeaderId.Server),
        ("Retry-After", '\0', HeaderId.RetryAfter),
        ("Content-Encoding", 'e', HeaderId.ContentEncoding),
        ("Content-Disposition", '\0', HeaderId.ContentDisposition),
        ("Content-Language", '\0', HeaderId.ContentLanguage),
        ("Date", '\0', HeaderId.Date),
        ("Subject", 's', HeaderId.Subject),
        ("Organization", '\0', HeaderId.Organization),
        ("Priority", '\0', HeaderId.Priority),
        ("Timestamp", '\0', HeaderId.Timestamp),
        ("Warning", '\0', HeaderId.Warning),
        ("Refer-To", 'r', HeaderId.ReferTo),
        ("Referred-By", 'b', HeaderId.ReferredBy),
        ("Reply-To", '\0', HeaderId.ReplyTo),
        ("Session-Expires", 'x', HeaderId.SessionExpires),
        ("Min-SE", '\0', HeaderId.MinSE),
        ("Identity", 'y', HeaderId.Identity),
        ("Reason", '\0', HeaderId.Reason),
        ("Privacy", '\0', HeaderId.Privacy),
        ("P-Asserted-Identity", '\0', HeaderId.PAssertedIdentity),
        ("P-Preferred-Identity", '\0', HeaderId.PPreferredIdentity),
        ("SIP-If-Match", '\0', HeaderId.SipIfMatch),
        ("SIP-ETag", '\0', HeaderId.SipETag),
        ("Diversion", '\0', HeaderId.Diversion),
        ("Call-Info", '\0', HeaderId.CallInfo),
        ("Alert-Info", '\0', HeaderId.AlertInfo),
        ("Error-Info", '\0', HeaderId.ErrorInfo),
        ("In-Reply-To", '\0', HeaderId.InReplyTo),
        ("MIME-Version", '\0', HeaderId.MimeVersion),
        ("Accept-Contact", 'a', HeaderId.AcceptContact),
        ("Reject-Contact", 'j', HeaderId.RejectContact),
        ("Request-Disposition", 'd', HeaderId.RequestDisposition),
        ("Service-Route", '\0', HeaderId.ServiceRoute),
        ("Replaces", '\0', HeaderId.Replaces),
        ("Refer-Sub", '\0', HeaderId.ReferSub),
        ("Flow-Timer", '\0', HeaderId.Flow),
    ];

    private const int MaxLen = 24;
    private static readonly byte[][][] NamesByLength = new byte[MaxLen + 1][][];
    private static readonly HeaderId[][] IdsByLength = new HeaderId[MaxLen + 1][];
    private static readonly HeaderId[] CompactIds = new HeaderId[128];
    private static readonly string[] Canonical = new string[(int)HeaderId.XCount];
    private static readonly byte[][] CanonicalUtf8 = new byte[(int)HeaderId.XCount][];

    static HeaderNames()
    {
        var names = new List<byte[]>[MaxLen + 1];
        var ids = new List<HeaderId>[MaxLen + 1];
        for (int i = 0; i <= MaxLen; i++) { names[i] = []; ids[i] = []; }
        foreach (var (name, compact, id) in Table)
        {
            names[name.Length].Add(System.Text.Encoding.ASCII.GetBytes(name));
            ids[name.Length].Add(id);
            Canonical[(int)id] = name;
            CanonicalUtf8[(int)id] = System.Text.Encoding.ASCII.GetBytes(name);
            if (compact != '\0')
            {
                CompactIds[compact] = id;
                CompactIds[char.ToUpperInvariant(compact)] = id;
            }
        }
        for (int i = 0; i <= MaxLen; i++) { NamesByLength[i] = [.. names[i]]; IdsByLength[i] = [.. ids[i]]; }
        Canonical[0] = "";
        CanonicalUtf8[0] = [];
    }

    /// <summary>The id of a header name (long or compact form, any case); <see cref="HeaderId.Other"/> if unknown.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HeaderId Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            byte c = name[0];
            return c < 128 ? CompactIds[c] : HeaderId.Other;
        }
        return name.Length <= MaxLen ? LookupLong(name) : HeaderId.Other;
    }

    private static HeaderId LookupLong(ReadOnlySpan<byte> name)
    {
        var bucket = NamesByLength[name.Length];
        for (int i = 0; i < bucket.Length; i++)
        {
            if (SipChars.EqualsIgnoreCase(name, bucket[i])) return IdsByLength[name.Length][i];
        }
        return HeaderId.Other;
    }

    public static HeaderId Lookup(string name) =>
        Lookup(System.Text.Encoding.ASCII.GetBytes(name));

    /// <summary>Canonical long form of a known header ("Call-ID").</summary>
    public static string NameOf(HeaderId id) => Canonical[(int)id];

    public static ReadOnlySpan<byte> Utf8NameOf(HeaderId id) => CanonicalUtf8[(int)id];

    /// <summary>Headers whose value is a comma-separated list that may be split (RFC 3261 §7.3.1).</summary>
    public static bool IsMultiValue(HeaderId id) => id switch
    {
        HeaderId.Via or HeaderId.Contact or HeaderId.Route or HeaderId.RecordRoute or HeaderId.Path
            or HeaderId.Allow or HeaderId.Supported or HeaderId.Require or HeaderId.ProxyRequire
            or HeaderId.Unsupported or HeaderId.Accept or HeaderId.AcceptEncoding or HeaderId.AcceptLanguage
            or HeaderId.AllowEvents or HeaderId.ServiceRoute or HeaderId.PAssertedIdentity
            or HeaderId.PPreferredIdentity or HeaderId.Warning or HeaderId.ContentEncoding
            or HeaderId.ContentLanguage or HeaderId.CallInfo or HeaderId.AlertInfo or HeaderId.ErrorInfo
            or HeaderId.InReplyTo or HeaderId.Privacy or HeaderId.Reason or HeaderId.Diversion
            or HeaderId.AcceptContact or HeaderId.RejectContact or HeaderId.RequestDisposition => true,
        _ => false,
    };

    /// <summary>Headers that may appear at most once in a valid message (RFC 3261 §20, RFC 4475 §3.3.8).</summary>
    public static bool IsSingleton(HeaderId id) => id is HeaderId.From or HeaderId.To or HeaderId.CallId
        or HeaderId.CSeq or HeaderId.MaxForwards or HeaderId.ContentLength or HeaderId.ContentType
        or HeaderId.Expires or HeaderId.MinExpires;
}
