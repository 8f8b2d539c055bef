using Osprey.Sip.Digest;
using Osprey.Sip.Headers;
using Osprey.Sip.Text;

namespace Osprey.Sip.Message;

/// <summary>Typed accessors for the headers that are parsed on demand from their value span
/// (nothing cached: each is a single scan of a short value).</summary>
public sealed partial class SipMessage
{
    /// <summary>Content-Type; false when absent or malformed.</summary>
    public bool TryGetContentType(out MediaType contentType) => MediaType.TryParse(ValueOf(HeaderId.ContentType), out contentType);

    /// <summary>Event (RFC 6665): package and params (id).</summary>
    public bool TryGetEvent(out TokenWithParams ev) => TokenWithParams.TryParse(ValueOf(HeaderId.Event), out ev);

    /// <summary>Subscription-State (RFC 6665 §8.2.3): active/pending/terminated with expires, reason, retry-after.</summary>
    public bool TryGetSubscriptionState(out TokenWithParams state) => TokenWithParams.TryParse(ValueOf(HeaderId.SubscriptionState), out state);

    /// <summary>Retry-After (RFC 3261 §20.33): delta-seconds, optional comment, duration param.</summary>
    public bool TryGetRetryAfter(out TokenWithParams retryAfter) => TokenWithParams.TryParse(ValueOf(HeaderId.RetryAfter), out retryAfter);

    /// <summary>Min-Expires value, -1 when absent or not a number.</summary>
    public long MinExpires => SipChars.TryParseUInt(ValueOf(HeaderId.MinExpires), uint.MaxValue, out var v) ? (long)v : -1;

    public ReadOnlySpan<byte> UserAgent => ValueOf(HeaderId.UserAgent);
    public ReadOnlySpan<byte> Server => ValueOf(HeaderId.Server);

    /// <summary>True when any header with this id lists the option tag (Supported, Require, Proxy-Require,
    /// Unsupported) or token (Allow-Events); all occurrences are searched.</summary>
    public bool ListContains(HeaderId id, ReadOnlySpan<byte> token)
    {
        for (int i = IndexOf(id); i >= 0; i = NextIndexOf(id, i))
        {
            if (TokenList.Contains(ValueAt(i), token)) return true;
        }
        return false;
    }

    /// <summary>True when an Allow header lists the method (exact case, RFC 3261 §7.1).</summary>
    public bool AllowsMethod(ReadOnlySpan<byte> method)
    {
        for (int i = IndexOf(HeaderId.Allow); i >= 0; i = NextIndexOf(HeaderId.Allow, i))
        {
            if (TokenList.ContainsMethod(ValueAt(i), method)) return true;
        }
        return false;
    }

    /// <summary>The first Authorization (or Proxy-Authorization) header parsed as digest credentials.</summary>
    public bool TryGetCredentials(HeaderId id, out DigestCredentials credentials, out AuthError error)
    {
        int i = IndexOf(id);
        if (i < 0)
        {
            credentials = default;
            error = default;
            return false;
        }
        return DigestCredentials.TryParse(ValueAt(i), out credentials, out error);
    }

    /// <summary>The first WWW-Authenticate (or Proxy-Authenticate) header parsed as a digest challenge.</summary>
    public bool TryGetChallenge(HeaderId id, out DigestChallenge challenge, out AuthError error)
    {
        int i = IndexOf(id);
        if (i < 0)
        {
            challenge = default;
            error = default;
            return false;
        }
        return DigestChallenge.TryParse(ValueAt(i), out challenge, out error);
    }
}
