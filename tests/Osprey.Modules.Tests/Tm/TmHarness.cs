using System.Net;
using System.Text;
using Osprey.Core;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Modules.Tm;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tests.Tm;

/// <summary>A clock that only moves when the test says so; due timers fire in deadline order.</summary>
internal sealed class ManualScheduler : ITmScheduler
{
    private sealed class Entry
    {
        public long Due;
        public long Seq;
        public Action<object?> Callback = null!;
        public object? State;
        public bool Cancelled;
    }

    private readonly List<Entry> _entries = [];
    private long _seq;

    public long NowMs { get; private set; } = 1_000;

    public TmTimer Schedule(long delayMs, Action<object?> callback, object? state)
    {
        var e = new Entry { Due = NowMs + Math.Max(1, delayMs), Seq = _seq++, Callback = callback, State = state };
        lock (_entries) _entries.Add(e);
        return new TmTimer(e);
    }

    public void Cancel(TmTimer timer)
    {
        if (timer.Token is Entry e) e.Cancelled = true;
    }

    public int Pending
    {
        get
        {
            lock (_entries) return _entries.Count(e => !e.Cancelled);
        }
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way.</summary>
    public void Advance(long ms)
    {
        long until = NowMs + ms;
        while (true)
        {
            Entry? next = null;
            lock (_entries)
            {
                foreach (var e in _entries)
                {
                    if (e.Cancelled || e.Due > until) continue;
                    if (next is null || e.Due < next.Due || (e.Due == next.Due && e.Seq < next.Seq)) next = e;
                }
                if (next is not null) _entries.Remove(next);
                _entries.RemoveAll(e => e.Cancelled);
            }
            if (next is null) break;
            NowMs = Math.Max(NowMs, next.Due);
            next.Callback(next.State);
        }
        NowMs = until;
    }
}

/// <summary>Records what the server sends; messages are injected as if received.</summary>
internal sealed class TestTransport : ISipSender
{
    public readonly List<(SipProtocol Protocol, IPEndPoint To, byte[] Data)> Sent = [];
    public readonly ListenEndpoint Udp = new(SipProtocol.Udp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));
    public readonly ListenEndpoint Tcp = new(SipProtocol.Tcp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));

    public SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false)
    {
        lock (Sent) Sent.Add((protocol, destination, data.ToArray()));
        return SendResult.Sent;
    }

    public void Receive(SipServer server, string text, string from, SipProtocol protocol = SipProtocol.Udp)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        server.OnMessage(new InboundMessage(bytes, IPEndPoint.Parse(from), protocol == SipProtocol.Udp ? Udp : Tcp, protocol == SipProtocol.Udp ? 0 : 7));
    }

    /// <summary>Messages sent to <paramref name="to"/> since index <paramref name="since"/>.</summary>
    public List<SipMessage> To(string to, int since = 0)
    {
        var ep = IPEndPoint.Parse(to);
        var list = new List<SipMessage>();
        lock (Sent)
        {
            for (int i = since; i < Sent.Count; i++)
            {
                if (!Sent[i].To.Equals(ep)) continue;
                var m = SipMessage.ParseAndValidate(Sent[i].Data, Framing.Datagram, out var err);
                Assert.False(err.IsError, err + "\n" + Encoding.UTF8.GetString(Sent[i].Data));
                list.Add(m!);
            }
        }
        return list;
    }

    public int Mark
    {
        get
        {
            lock (Sent) return Sent.Count;
        }
    }
}

/// <summary>A script stand-in: the request route and named routes are C# delegates.</summary>
internal sealed class TestRouter : IMessageRouter, IRouteRunner
{
    public Action<MessageContext> Request = _ => { };
    public readonly Dictionary<(RouteTypes, string), Func<MessageContext, int>> Routes = [];
    public readonly List<(RouteTypes, string)> Ran = [];

    public void OnRequest(MessageContext ctx) => Request(ctx);

    public bool OnReply(MessageContext ctx) => true;

    public bool HasRoute(RouteTypes type, string name) => Routes.ContainsKey((type, name));

    public int RunRoute(RouteTypes type, string name, MessageContext ctx)
    {
        Ran.Add((type, name));
        return Routes.TryGetValue((type, name), out var r) ? r(ctx) : 1;
    }
}

/// <summary>A proxy at 10.0.0.1:5060 with tm on a manual clock, a UAC at 192.0.2.7:5070 and UASs.</summary>
internal sealed class TmHarness
{
    public const string Uac = "192.0.2.7:5070";
    public const string Uas = "192.0.2.20:5080";
    public const string Uas2 = "192.0.2.21:5080";

    public readonly TestTransport Net = new();
    public readonly ManualScheduler Clock = new();
    public readonly TestRouter Router = new();
    public readonly SipServer Server;
    public readonly TmModule Tm = new();
    public readonly TmxModule Tmx = new();

    public TmHarness(Action<TmModule>? configure = null)
    {
        Server = new SipServer(new CoreSettings(), Router);
        Server.AttachTransport(Net, [Net.Udp, Net.Tcp]);
        Tm.Server = Server;
        Tm.Scheduler = Clock;
        Tm.WtTimer = 5000;
        configure?.Invoke(Tm);
        Assert.Null(Tm.Init());
        Tmx.Server = Server;
        // default script: everything goes statefully to the UAS
        Router.Request = ctx =>
        {
            ctx.DestinationUri ??= "sip:" + Uas;
            if (Tm.TRelay(ctx) < 0) Server.Replier.Reply(ctx, 500, "Relay failed"u8);
        };
    }

    public TransactionLayer Layer => Tm.Layer;

    public void FromUac(string text) => Net.Receive(Server, text, Uac);

    public void FromUas(string text, string uas = Uas) => Net.Receive(Server, text, uas);

    public static string Invite(string branch = "z9hG4bKuac1", string callId = "call-1", int cseq = 1, string method = "INVITE", string extra = "", string toTag = "") =>
        $"{method} sip:bob@example.com SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {Uac};branch={branch};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:alice@example.com>;tag=a1\r\n" +
        $"To: <sip:bob@example.com>{(toTag.Length > 0 ? ";tag=" + toTag : "")}\r\n" +
        $"Call-ID: {callId}\r\n" +
        $"CSeq: {cseq} {method}\r\n" +
        "Contact: <sip:alice@192.0.2.7:5070>\r\n" +
        extra +
        "Content-Length: 0\r\n\r\n";

    /// <summary>The ACK a UAC sends for a negative final reply (same branch as the INVITE, RFC 3261 §17.1.1.3).</summary>
    public static string AckFor(SipMessage reply, string branch = "z9hG4bKuac1", string callId = "call-1") =>
        "ACK sip:bob@example.com SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {Uac};branch={branch};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:alice@example.com>;tag=a1\r\n" +
        $"To: {reply.ValueString(reply.IndexOf(HeaderId.To))}\r\n" +
        $"Call-ID: {callId}\r\n" +
        "CSeq: 1 ACK\r\n" +
        "Content-Length: 0\r\n\r\n";

    public static string Cancel(string branch = "z9hG4bKuac1", string callId = "call-1") =>
        "CANCEL sip:bob@example.com SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {Uac};branch={branch};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:alice@example.com>;tag=a1\r\n" +
        "To: <sip:bob@example.com>\r\n" +
        $"Call-ID: {callId}\r\n" +
        "CSeq: 1 CANCEL\r\n" +
        "Reason: Q.850;cause=16\r\n" +
        "Content-Length: 0\r\n\r\n";

    /// <summary>A UAS's reply to a request it received: all Vias, From, To (+tag), Call-ID, CSeq.</summary>
    public static string ReplyTo(SipMessage req, int status, string reason, string toTag = "b1", string extra = "")
    {
        var sb = new StringBuilder();
        sb.Append("SIP/2.0 ").Append(status).Append(' ').Append(reason).Append("\r\n");
        for (int i = 0; i < req.HeaderCount; i++)
        {
            var id = req.Header(i).Id;
            if (id is HeaderId.Via or HeaderId.From or HeaderId.CallId or HeaderId.CSeq)
            {
                sb.Append(Encoding.UTF8.GetString(req.Span[req.Header(i).LineStart..req.Header(i).Value.End])).Append("\r\n");
            }
            else if (id == HeaderId.To)
            {
                sb.Append("To: ").Append(req.ValueString(i));
                if (status > 100 && !req.To.HasTag && toTag.Length > 0) sb.Append(";tag=").Append(toTag);
                sb.Append("\r\n");
            }
        }
        sb.Append(extra).Append("Content-Length: 0\r\n\r\n");
        return sb.ToString();
    }

    public static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);
}
