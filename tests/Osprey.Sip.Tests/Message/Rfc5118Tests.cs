using System.Text;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Tests.Message;

/// <summary>RFC 5118 IPv6 torture messages, in their on-the-wire form (wire/), plus the raw archive bytes
/// for framing robustness.</summary>
public class Rfc5118Tests
{
    public static readonly Dictionary<string, string> Expected = new()
    {
        ["ipv6-good"] = "ok", ["ipv6-bad"] = "400", ["port-ambiguous"] = "ok", ["port-unambiguous"] = "ok",
        ["via-received-param-no-delim"] = "ok", ["via-received-param-with-delim"] = "ok", ["ipv6-in-sdp"] = "ok",
        ["mult-ip-in-header"] = "ok", ["mult-ip-in-sdp"] = "ok", ["ipv4-mapped-ipv6"] = "ok",
        ["ipv6-bug-abnf-3-colons"] = "ok", ["ipv6-correct-abnf-2-colons"] = "ok",
    };

    public static TheoryData<string> Names()
    {
        var d = new TheoryData<string>();
        foreach (var row in TestVectors.Manifest("rfc5118")) d.Add(row.Name);
        return d;
    }

    private static byte[] Wire(string name) => File.ReadAllBytes(Path.Combine(TestVectors.Dir("rfc5118"), "wire", name + ".dat"));

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    private static SipMessage Ok(string name)
    {
        var m = SipMessage.ParseAndValidate(Wire(name), Framing.Datagram, out var err);
        Assert.NotNull(m);
        Assert.False(err.IsError, err.ToString());
        return m!;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Wire_form_gets_the_chosen_outcome(string name) =>
        Assert.Equal(Expected[name], Rfc4475Tests.Outcome(Wire(name)));

    [Theory]
    [MemberData(nameof(Names))]
    public void Raw_archive_bytes_never_crash_and_keep_the_headers(string name)
    {
        var m = SipMessage.Parse(TestVectors.Load("rfc5118", name), Framing.Datagram, out _);
        Assert.NotNull(m);
        Assert.True(m!.Has(HeaderId.Via));
        Assert.True(m.Has(HeaderId.CallId));
    }

    [Fact]
    public void Ipv6_good_has_bracketed_addresses()
    {
        var m = Ok("ipv6-good");
        Assert.Equal(HostKind.IPv6, m.RequestUri.HostKind);
        Assert.Equal("[2001:db8::10]", S(m.RequestUri.Host));
        Assert.Equal("2001:db8::10", S(m.RequestUri.HostAddress));
        Assert.Equal(HostKind.IPv6, m.TopVia.HostKind);
    }

    [Fact]
    public void Port_ambiguous_is_an_address_without_port()
    {
        var m = Ok("port-ambiguous");
        Assert.Equal("[2001:db8::10:5070]", S(m.RequestUri.Host));
        Assert.Equal(0, m.RequestUri.Port);
    }

    [Fact]
    public void Port_unambiguous_has_port()
    {
        var m = Ok("port-unambiguous");
        Assert.Equal("[2001:db8::10]", S(m.RequestUri.Host));
        Assert.Equal(5070, m.RequestUri.Port);
    }

    [Theory]
    [InlineData("via-received-param-no-delim", "2001:db8::9:255")]
    [InlineData("via-received-param-with-delim", "[2001:db8::9:255]")]
    public void Via_received_ipv6(string name, string received)
    {
        var m = Ok(name);
        Assert.Equal(received, S(m.TopVia.Received));
    }

    [Fact]
    public void Mixed_ipv4_and_ipv6_vias()
    {
        var m = Ok("mult-ip-in-header");
        Assert.True(m.ViaCount >= 2);
        bool v4 = false, v6 = false;
        for (int i = 0; i < m.ViaCount; i++)
        {
            Assert.True(m.TryGetVia(i, out var via));
            v4 |= via.HostKind == HostKind.IPv4;
            v6 |= via.HostKind == HostKind.IPv6;
        }
        Assert.True(v4 && v6);
    }

    [Fact]
    public void Ipv6_bad_says_why()
    {
        SipMessage.ParseAndValidate(Wire("ipv6-bad"), Framing.Datagram, out var err);
        Assert.Equal(ParseErrorKind.BadRequestUri, err.Kind);
    }
}
