using System.Text;
using Osprey.Core.Routing;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Core.Tests.Pipeline;

public class StatelessPipelineTests
{
    private static string Request(string method, string ruri, string extra = "", string via = "SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKabc123;rport", int maxForwards = 70) =>
        $"{method} {ruri} SIP/2.0\r\n" +
        $"Via: {via}\r\n" +
        $"Max-Forwards: {maxForwards}\r\n" +
        "From: <sip:alice@example.com>;tag=f1\r\n" +
        "To: <sip:bob@example.com>\r\n" +
        "Call-ID: call-1@192.0.2.7\r\n" +
        $"CSeq: 1 {method}\r\n" +
        extra +
        "Content-Length: 0\r\n\r\n";

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void Options_to_myself_gets_200_with_to_tag_sent_to_the_rport_source()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("OPTIONS", "sip:10.0.0.1:5060"));
        var r = t.LastMessage();
        Assert.Equal(200, r.StatusCode);
        Assert.True(r.To.HasTag);
        Assert.Equal("z9hG4bKabc123", S(r.TopVia.Branch));
        Assert.Equal("40000", S(r.TopVia.Rport));
        Assert.Equal("192.0.2.7", S(r.TopVia.Received));
        Assert.Equal(40000, t.Sent[^1].To.Port);
        Assert.Same(t.Udp, t.Sent[^1].From);
        Assert.True(r.IndexOf("Allow"u8) >= 0);
    }

    [Fact]
    public void Without_rport_the_reply_goes_to_the_sent_by_port()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("OPTIONS", "sip:10.0.0.1", via: "SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKnorport"));
        Assert.Equal(5070, t.Sent[^1].To.Port);
        Assert.Equal("", S(t.LastMessage().TopVia.Received)); // sent-by equals the source address
    }

    [Fact]
    public void Retransmissions_get_the_same_to_tag()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("OPTIONS", "sip:10.0.0.1"));
        var first = S(t.LastMessage().To.Tag);
        t.Receive(server, Request("OPTIONS", "sip:10.0.0.1"));
        Assert.Equal(first, S(t.LastMessage().To.Tag));
        t.Receive(server, Request("OPTIONS", "sip:10.0.0.1", via: "SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKother;rport"));
        Assert.NotEqual(first, S(t.LastMessage().To.Tag));
    }

    [Fact]
    public void Malformed_request_gets_400_naming_the_problem()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("OPTIONS", "sip:10.0.0.1").Replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE", StringComparison.Ordinal));
        var r = t.LastMessage();
        Assert.Equal(400, r.StatusCode);
        Assert.Equal("CSeq method does not match request method", S(r.Reason));
        Assert.Equal(1, server.Stats.ErrRequests.Read());
    }

    [Fact]
    public void Malformed_reply_and_request_without_via_are_dropped()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\nCall-ID: x\r\n\r\n");
        t.Receive(server, "OPTIONS sip:10.0.0.1 SIP/2.0\r\nCall-ID: x\r\n\r\n");
        Assert.Empty(t.Sent);
        Assert.Equal(1, server.Stats.DropReplies.Read());
    }

    [Fact]
    public void Unsupported_version_gets_505()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("OPTIONS", "sip:10.0.0.1").Replace("SIP/2.0\r\nVia", "SIP/7.0\r\nVia", StringComparison.Ordinal));
        Assert.Equal(505, t.LastMessage().StatusCode);
    }

    [Fact]
    public void Request_for_another_host_is_forwarded_with_our_via_and_max_forwards_decremented()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("INVITE", "sip:bob@192.0.2.50:5080"));
        var fwd = t.LastMessage();
        Assert.True(fwd.IsRequest);
        Assert.Equal("192.0.2.50:5080", t.Sent[^1].To.ToString());
        Assert.Equal(69, fwd.MaxForwards);
        Assert.Equal(2, fwd.ViaCount);
        Assert.Equal("10.0.0.1:5060", S(fwd.TopVia.Host) + ":" + fwd.TopVia.Port);
        Assert.True(fwd.TopVia.HasMagicCookie);
        var branch = S(fwd.TopVia.Branch);
        // a retransmission gets the same branch (RFC 3261 §16.11)
        t.Receive(server, Request("INVITE", "sip:bob@192.0.2.50:5080"));
        Assert.Equal(branch, S(t.LastMessage().TopVia.Branch));
        // another transaction gets another
        t.Receive(server, Request("INVITE", "sip:bob@192.0.2.50:5080", via: "SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKnew;rport"));
        Assert.NotEqual(branch, S(t.LastMessage().TopVia.Branch));
        Assert.Equal(3, server.Stats.FwdRequests.Read());
    }

    [Fact]
    public void Next_hop_is_destination_uri_then_route_then_request_uri()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("INVITE", "sip:bob@192.0.2.50", extra: "Route: <sip:192.0.2.60:5090;lr>\r\n"));
        Assert.Equal("192.0.2.60:5090", t.Sent[^1].To.ToString());
        var withHop = InMemoryTransport.Server(t, new DefaultRouter { NextHop = "sip:192.0.2.70:5099" });
        t.Receive(withHop, Request("INVITE", "sip:bob@192.0.2.50", extra: "Route: <sip:192.0.2.60:5090;lr>\r\n"));
        Assert.Equal("192.0.2.70:5099", t.Sent[^1].To.ToString());
    }

    [Fact]
    public void Max_forwards_zero_gets_483()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("INVITE", "sip:bob@192.0.2.50", maxForwards: 0));
        Assert.Equal(483, t.LastMessage().StatusCode);
    }

    [Fact]
    public void Missing_max_forwards_is_added_as_70()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("INVITE", "sip:bob@192.0.2.50").Replace("Max-Forwards: 70\r\n", "", StringComparison.Ordinal));
        Assert.Equal(70, t.LastMessage().MaxForwards);
    }

    [Fact]
    public void Reply_loses_our_via_and_goes_to_the_next_one()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        var reply = "SIP/2.0 180 Ringing\r\n" +
                    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKslxyz, SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKabc;rport=40001;received=192.0.2.8\r\n" +
                    "From: <sip:alice@example.com>;tag=f1\r\nTo: <sip:bob@example.com>;tag=t2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        t.Receive(server, reply, from: "192.0.2.50:5080");
        var fwd = t.LastMessage();
        Assert.Equal(180, fwd.StatusCode);
        Assert.Equal(1, fwd.ViaCount);
        Assert.Equal("z9hG4bKabc", S(fwd.TopVia.Branch));
        Assert.Equal("192.0.2.8:40001", t.Sent[^1].To.ToString());
    }

    [Fact]
    public void Reply_whose_top_via_is_not_ours_is_dropped()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        var reply = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKx\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKy\r\n" +
                    "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        t.Receive(server, reply);
        Assert.Empty(t.Sent);
        Assert.Equal(1, server.Stats.DropReplies.Read());
    }

    [Fact]
    public void Oversize_datagram_gets_513_or_is_dropped_as_configured()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter(), new CoreSettings { MaxMessageSize = 300 });
        var big = Request("OPTIONS", "sip:10.0.0.1", extra: "X-Pad: " + new string('a', 400) + "\r\n");
        t.Receive(server, big);
        Assert.Equal(513, t.LastMessage().StatusCode);
        var quiet = InMemoryTransport.Server(t, new DefaultRouter(), new CoreSettings { MaxMessageSize = 300, OversizeAction = OversizeAction.Drop });
        int before = t.Sent.Count;
        t.Receive(quiet, big);
        Assert.Equal(before, t.Sent.Count);
    }

    [Fact]
    public void Tcp_reply_goes_back_on_the_same_connection()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("OPTIONS", "sip:10.0.0.1", via: "SIP/2.0/TCP 192.0.2.7:5070;branch=z9hG4bKtcp"), protocol: SipProtocol.Tcp);
        Assert.Equal(SipProtocol.Tcp, t.Sent[^1].Protocol);
        Assert.Equal(40000, t.Sent[^1].To.Port);
    }

    [Fact]
    public void Ack_is_never_answered()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("ACK", "sip:10.0.0.1"));
        Assert.Empty(t.Sent);
    }

    [Fact]
    public void Unknown_scheme_gets_416()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new DefaultRouter());
        t.Receive(server, Request("OPTIONS", "nobodyknowsthisscheme:totallyopaquecontent"));
        Assert.Equal(416, t.LastMessage().StatusCode);
    }
}
