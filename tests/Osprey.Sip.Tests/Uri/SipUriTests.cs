using System.Text;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Tests.Uri;

public class SipUriTests
{
    private static SipUri P(string s)
    {
        Assert.True(SipUri.TryParse(Encoding.UTF8.GetBytes(s), out var u, out var why), s + ": " + why);
        return u;
    }

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    // RFC 3261 §19.1.4, the equivalent pairs
    [Theory]
    [InlineData("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com;security=on")]
    [InlineData("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on")]
    [InlineData("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com")]
    [InlineData("sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x")]
    [InlineData("tel:+1-201-555-0123", "tel:+12015550123")]
    public void Equivalent_per_rfc3261(string a, string b)
    {
        Assert.True(SipUri.Equivalent(P(a), P(b)));
        Assert.True(SipUri.Equivalent(P(b), P(a)));
    }

    // RFC 3261 §19.1.4, the non-equivalent pairs
    [Theory]
    [InlineData("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting")]
    [InlineData("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4")]
    [InlineData("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off")]
    [InlineData("sip:alice@atlanta.com", "sips:alice@atlanta.com")]
    public void Not_equivalent_per_rfc3261(string a, string b)
    {
        Assert.False(SipUri.Equivalent(P(a), P(b)));
        Assert.False(SipUri.Equivalent(P(b), P(a)));
    }

    [Fact]
    public void Parts_of_a_full_sip_uri()
    {
        var u = P("sips:alice:secret@[2001:db8::1]:5061;transport=tls;lr;maddr=239.255.255.1?subject=hi");
        Assert.Equal(UriScheme.Sips, u.Scheme);
        Assert.Equal("alice", S(u.User));
        Assert.Equal("secret", S(u.Password));
        Assert.Equal(HostKind.IPv6, u.HostKind);
        Assert.Equal("2001:db8::1", S(u.HostAddress));
        Assert.Equal(5061, u.Port);
        Assert.Equal("tls", S(u.TransportParam));
        Assert.True(u.IsLooseRouter);
        Assert.Equal("239.255.255.1", S(u.Maddr));
        Assert.Equal("subject=hi", S(u.Headers));
    }

    [Fact]
    public void Tel_and_opaque_schemes()
    {
        var t = P("tel:+1-201-555-0123;phone-context=example.com");
        Assert.Equal(UriScheme.Tel, t.Scheme);
        Assert.Equal("+1-201-555-0123", S(t.User));
        Assert.True(t.TryGetParam("phone-context"u8, out var ctx));
        Assert.Equal("example.com", S(ctx));
        var im = P("im:alice@example.com");
        Assert.Equal(UriScheme.Other, im.Scheme);
        Assert.Equal("alice@example.com", S(im.Opaque));
        Assert.Equal(5060, P("sip:a.example.com").PortOrDefault);
        Assert.Equal(5061, P("sips:a.example.com").PortOrDefault);
        Assert.Equal(HostKind.IPv4, P("sip:10.0.0.1").HostKind);
        Assert.Equal(HostKind.Name, P("sip:host-1.example.com").HostKind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sip:")]
    [InlineData("sip:@example.com")]
    [InlineData("sip:alice@")]
    [InlineData("sip:alice@example.com:99999")]
    [InlineData("sip:alice@example.com:0")]
    [InlineData("sip:alice@exa mple.com")]
    [InlineData("sip:user@2001:db8::10")]
    [InlineData("sip:alice@[2001:db8::1")]
    [InlineData("sip:alice@example.com;;")]
    [InlineData("sip:al%zzice@example.com")]
    [InlineData("<sip:alice@example.com>")]
    [InlineData("1sip:alice@example.com")]
    public void Malformed_uris_are_refused_with_a_reason(string s)
    {
        Assert.False(SipUri.TryParse(Encoding.UTF8.GetBytes(s), out _, out var why));
        Assert.False(string.IsNullOrEmpty(why));
    }
}
