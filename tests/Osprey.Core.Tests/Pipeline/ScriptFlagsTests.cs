using System.Text;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;

namespace Osprey.Core.Tests.Pipeline;

/// <summary>Per-message settings the script makes (set_advertised_*, add_local_rport, append_to_reply)
/// reach what is sent.</summary>
public class ScriptFlagsTests
{
    private sealed class Router(Action<MessageContext> onRequest) : IMessageRouter
    {
        public void OnRequest(MessageContext ctx) => onRequest(ctx);
        public bool OnReply(MessageContext ctx) => true;
    }

    private const string Invite =
        "INVITE sip:bob@192.0.2.50:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKf1;rport\r\nMax-Forwards: 70\r\n" +
        "From: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\nCall-ID: flags-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void Advertised_address_and_local_rport_go_into_our_via()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new Router(ctx =>
        {
            ctx.AdvertisedAddress = "proxy.example.net";
            ctx.AdvertisedPort = 5999;
            ctx.AddLocalRport = true;
            ctx.Server.Forwarder.ForwardRequest(ctx);
        }));
        t.Receive(server, Invite);
        var fwd = t.LastMessage();
        Assert.Equal("proxy.example.net", S(fwd.TopVia.Host));
        Assert.Equal(5999, fwd.TopVia.Port);
        Assert.True(fwd.TopVia.HasRport);
    }

    [Fact]
    public void Headers_appended_by_the_script_are_in_the_local_reply()
    {
        var t = new InMemoryTransport();
        var server = InMemoryTransport.Server(t, new Router(ctx =>
        {
            ctx.AppendReplyHeaders("X-Reason: testing\r\n");
            ctx.Server.Replier.Reply(ctx, 403, "Forbidden"u8);
        }));
        t.Receive(server, Invite);
        var r = t.LastMessage();
        Assert.Equal(403, r.StatusCode);
        Assert.Equal("testing", S(r.ValueAt(r.IndexOf("X-Reason"u8))));
    }
}
