using System.Text;
using Osprey.Sip.Message;

namespace Osprey.Sip.Tests.Message;

public class HeaderViewTests
{
    private const string Notify =
        "NOTIFY sip:alice@192.0.2.1 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKn1\r\n" +
        "From: <sip:bob@example.com>;tag=b1\r\n" +
        "To: <sip:alice@example.com>;tag=a1\r\n" +
        "Call-ID: n1\r\n" +
        "CSeq: 2 NOTIFY\r\n" +
        "Event: presence;id=7\r\n" +
        "Subscription-State: active;expires=599\r\n" +
        "Supported: replaces, 100rel\r\n" +
        "k: timer\r\n" +
        "Require: eventlist\r\n" +
        "Allow: INVITE, ACK, NOTIFY\r\n" +
        "Retry-After: 120 (in a meeting);duration=3600\r\n" +
        "Min-Expires: 60\r\n" +
        "User-Agent: Phone/1.0\r\n" +
        "Authorization: Digest username=\"bob\", realm=\"example.com\", nonce=\"abc\", uri=\"sip:alice@192.0.2.1\", response=\"0123456789abcdef0123456789abcdef\"\r\n" +
        "c: multipart/mixed;boundary=\"xyz\"\r\n" +
        "Content-Length: 0\r\n\r\n";

    private static SipMessage M()
    {
        var m = SipMessage.ParseAndValidate(Encoding.ASCII.GetBytes(Notify), Framing.Datagram, out var err);
        Assert.False(err.IsError, err.ToString());
        return m!;
    }

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void Event_and_subscription_state()
    {
        var m = M();
        Assert.True(m.TryGetEvent(out var ev));
        Assert.Equal("presence", S(ev.Token));
        Assert.Equal(7, ev.NumericParam("id"u8));
        Assert.True(m.TryGetSubscriptionState(out var st));
        Assert.Equal("active", S(st.Token));
        Assert.Equal(599, st.NumericParam("expires"u8));
    }

    [Fact]
    public void Option_tags_over_long_and_compact_headers()
    {
        var m = M();
        Assert.True(m.ListContains(HeaderId.Supported, "100REL"u8));
        Assert.True(m.ListContains(HeaderId.Supported, "timer"u8)); // from the compact k: header
        Assert.False(m.ListContains(HeaderId.Supported, "path"u8));
        Assert.True(m.ListContains(HeaderId.Require, "eventlist"u8));
        Assert.True(m.AllowsMethod("NOTIFY"u8));
        Assert.False(m.AllowsMethod("notify"u8));
    }

    [Fact]
    public void Retry_after_min_expires_user_agent()
    {
        var m = M();
        Assert.True(m.TryGetRetryAfter(out var ra));
        Assert.Equal("120", S(ra.Token));
        Assert.Equal("in a meeting", S(ra.Comment));
        Assert.Equal(3600, ra.NumericParam("duration"u8));
        Assert.Equal(60, m.MinExpires);
        Assert.Equal("Phone/1.0", S(m.UserAgent));
    }

    [Fact]
    public void Content_type_with_quoted_boundary()
    {
        var m = M();
        Assert.True(m.TryGetContentType(out var ct));
        Assert.True(ct.Is("MULTIPART"u8, "mixed"u8));
        Assert.True(ct.TryGetParam("boundary"u8, out var b));
        Assert.Equal("\"xyz\"", S(b));
    }

    [Fact]
    public void Authorization_as_digest_credentials()
    {
        var m = M();
        Assert.True(m.TryGetCredentials(HeaderId.Authorization, out var cred, out _));
        Assert.Equal("bob", S(cred.Username));
        Assert.Equal("example.com", S(cred.Realm));
        Assert.False(m.TryGetCredentials(HeaderId.ProxyAuthorization, out _, out _));
    }
}
