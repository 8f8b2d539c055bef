using System.Net;

namespace Osprey.Transport.Tests;

public class ListenSpecTests
{
    private static List<ListenEndpoint> Parse(string s)
    {
        Assert.True(ListenSpec.TryParse(s, out var list, out var error), error);
        Assert.Null(error);
        return list;
    }

    private static string Error(string s)
    {
        Assert.False(ListenSpec.TryParse(s, out _, out var error));
        Assert.NotNull(error);
        return error;
    }

    [Fact]
    public void Udp_ipv4_with_port()
    {
        var ep = Assert.Single(Parse("udp:127.0.0.1:5060"));
        Assert.Equal(SipProtocol.Udp, ep.Protocol);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5060), ep.Bind);
        Assert.Equal("udp:127.0.0.1:5060", ep.ToString());
        Assert.Equal("127.0.0.1:5060"u8.ToArray(), ep.SentByUtf8);
    }

    [Fact]
    public void Tcp_ipv6_in_brackets()
    {
        var ep = Assert.Single(Parse("tcp:[::1]:5070"));
        Assert.Equal(SipProtocol.Tcp, ep.Protocol);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 5070), ep.Bind);
        Assert.Equal("[::1]", ep.Host);
    }

    [Fact]
    public void Address_alone_means_udp_and_tcp_on_5060()
    {
        var list = Parse("127.0.0.1");
        Assert.Equal(2, list.Count);
        Assert.Equal(SipProtocol.Udp, list[0].Protocol);
        Assert.Equal(SipProtocol.Tcp, list[1].Protocol);
        Assert.All(list, e => Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5060), e.Bind));
    }

    [Fact]
    public void Tls_defaults_to_5061()
    {
        Assert.Equal(5061, Assert.Single(Parse("tls:10.0.0.1")).Bind.Port);
    }

    [Fact]
    public void Bare_ipv6_without_port()
    {
        var list = Parse("::1");
        Assert.Equal(2, list.Count);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 5060), list[0].Bind);
    }

    [Fact]
    public void Advertise_and_name()
    {
        var ep = Assert.Single(Parse("udp:10.0.0.10:5060 advertise 5.6.7.8:5080 name \"pub\""));
        Assert.Equal("5.6.7.8", ep.AdvertisedHost);
        Assert.Equal(5080, ep.AdvertisedPort);
        Assert.Equal("pub", ep.Name);
        Assert.Equal("5.6.7.8:5080"u8.ToArray(), ep.SentByUtf8);
    }

    [Fact]
    public void Advertise_without_port_keeps_the_bound_port()
    {
        var ep = Assert.Single(Parse("udp:10.0.0.10:5062 ADVERTISE sip.example.com"));
        Assert.Equal("sip.example.com", ep.Host);
        Assert.Equal(5062, ep.Port);
    }

    [Fact]
    public void Advertise_ipv6_stays_in_brackets()
    {
        var ep = Assert.Single(Parse("tcp:[::1]:5060 advertise [2001:db8::1]:5060"));
        Assert.Equal("[2001:db8::1]", ep.Host);
    }

    [Fact]
    public void Several_sockets_on_one_line_each_with_suffixes()
    {
        var list = Parse("udp:127.0.0.1:5060 name \"a\" virtual tcp:127.0.0.1:5061 advertise 1.2.3.4");
        Assert.Equal(2, list.Count);
        Assert.Equal("a", list[0].Name);
        Assert.Null(list[0].AdvertisedHost);
        Assert.Equal("1.2.3.4", list[1].AdvertisedHost);
    }

    [Fact]
    public void Whole_value_in_quotes()
    {
        Assert.Equal(5060, Assert.Single(Parse("\"udp:127.0.0.1:5060\"")).Bind.Port);
    }

    [Theory]
    [InlineData("udp:eth0", "not an IP address")]
    [InlineData("udp:eth0:5060", "interface and host names")]
    [InlineData("tcp:sip.example.com:5060", "not an IP address")]
    [InlineData("udp:127.0.0.1:70000", "not a port")]
    [InlineData("udp:127.0.0.1:abc", "not a port")]
    [InlineData("udp:[::1", "missing ']'")]
    [InlineData("udp:(10.0.0.1,10.0.0.2):5060", "address lists")]
    [InlineData("udp:", "missing address")]
    [InlineData("", "empty")]
    [InlineData("udp:127.0.0.1 advertise", "needs a value")]
    [InlineData("advertise 1.2.3.4", "must follow an address")]
    [InlineData("udp:127.0.0.1 name \"x", "unterminated")]
    [InlineData("udp:127.0.0.1 advertise 1.2.3.4:0", "not a port")]
    [InlineData("ws:127.0.0.1:80", "WebSocket")]
    public void Bad_input_gives_a_message(string input, string expected)
    {
        Assert.Contains(expected, Error(input), StringComparison.Ordinal);
    }
}
