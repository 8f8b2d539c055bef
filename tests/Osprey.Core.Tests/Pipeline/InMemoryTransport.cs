using System.Net;
using System.Text;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Core.Tests.Pipeline;

/// <summary>An in-memory transport for pipeline tests: messages are injected as if received, and what
/// the pipeline sends is recorded.</summary>
internal sealed class InMemoryTransport : ISipSender
{
    public readonly List<(SipProtocol Protocol, IPEndPoint To, byte[] Data, ListenEndpoint? From)> Sent = [];
    public readonly ListenEndpoint Udp = new(SipProtocol.Udp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));
    public readonly ListenEndpoint Tcp = new(SipProtocol.Tcp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));

    public SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false)
    {
        Sent.Add((protocol, destination, data.ToArray(), from));
        return SendResult.Sent;
    }

    public static SipServer Server(InMemoryTransport t, Routing.IMessageRouter router, CoreSettings? settings = null)
    {
        var s = new SipServer(settings ?? new CoreSettings(), router);
        s.AttachTransport(t, [t.Udp, t.Tcp]);
        return s;
    }

    public void Receive(SipServer server, string text, string from = "192.0.2.7:40000", SipProtocol protocol = SipProtocol.Udp, InboundFlags flags = InboundFlags.None)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        server.OnMessage(new InboundMessage(bytes, IPEndPoint.Parse(from), protocol == SipProtocol.Udp ? Udp : Tcp, protocol == SipProtocol.Udp ? 0 : 7, flags));
    }

    public SipMessage LastMessage()
    {
        Assert.NotEmpty(Sent);
        var m = SipMessage.ParseAndValidate(Sent[^1].Data, Framing.Datagram, out var err);
        Assert.False(err.IsError, err + "\n" + Encoding.UTF8.GetString(Sent[^1].Data));
        return m!;
    }
}
