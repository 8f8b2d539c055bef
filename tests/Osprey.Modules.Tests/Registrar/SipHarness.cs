using System.Net;
using System.Text;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Modules.Registrar;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tests;

/// <summary>
/// A SipServer on an in-memory transport whose request route is a test delegate: a request given as
/// SIP text is parsed by the real pipeline, the delegate calls module functions with the real
/// MessageContext, and replies the modules send are captured and parsed back.
/// </summary>
internal sealed class SipHarness : ISipSender, IMessageRouter
{
    public readonly List<(IPEndPoint To, byte[] Data)> Sent = [];
    public readonly ListenEndpoint Udp = new(SipProtocol.Udp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));
    public readonly ListenEndpoint Tcp = new(SipProtocol.Tcp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));
    private Func<MessageContext, int>? _route;

    public SipHarness()
    {
        Server = new SipServer(new CoreSettings(), this);
        Server.AttachTransport(this, [Udp, Tcp]);
    }

    public SipServer Server { get; }

    /// <summary>What the route left in the context: return value, $ru, $du, branches.</summary>
    public int Ret { get; private set; }
    public string? Ruri { get; private set; }
    public string? Du { get; private set; }
    public List<Destination> Branches { get; } = [];
    public string? FirstPath { get; private set; }
    public ListenEndpoint? SendSocket { get; private set; }

    public SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false)
    {
        Sent.Add((destination, data.ToArray()));
        return SendResult.Sent;
    }

    public void OnRequest(MessageContext ctx)
    {
        Ret = _route!(ctx);
        Ruri = ctx.NewRequestUri;
        Du = ctx.DestinationUri;
        Branches.Clear();
        for (int i = 0; i < ctx.Branches.Count; i++) Branches.Add(ctx.Branches[i]);
        FirstPath = ctx.PathVector;
        SendSocket = ctx.SendSocket;
    }

    public bool OnReply(MessageContext ctx) => false;

    /// <summary>Runs one request through the pipeline with <paramref name="route"/> as request_route; returns its return value.</summary>
    public int Run(string text, Func<MessageContext, int> route, string from = "192.0.2.7:40000", SipProtocol protocol = SipProtocol.Udp)
    {
        _route = route;
        Ret = int.MinValue;
        int before = Sent.Count;
        var bytes = Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));
        Server.OnMessage(new InboundMessage(bytes, IPEndPoint.Parse(from), protocol == SipProtocol.Udp ? Udp : Tcp, protocol == SipProtocol.Udp ? 0 : 7, InboundFlags.None));
        Assert.NotEqual(int.MinValue, Ret);
        RepliesOfLastRun = Sent.Count - before;
        return Ret;
    }

    public int RepliesOfLastRun { get; private set; }

    public SipMessage LastReply()
    {
        Assert.NotEmpty(Sent);
        var m = SipMessage.ParseAndValidate(Sent[^1].Data, Framing.Datagram, out var err);
        Assert.False(err.IsError, err + "\n" + Encoding.UTF8.GetString(Sent[^1].Data));
        return m!;
    }

    public string LastReplyText() => Encoding.UTF8.GetString(Sent[^1].Data);

    /// <summary>Every value of a header in the last reply.</summary>
    public List<string> ReplyHeaders(string name)
    {
        var m = LastReply();
        var list = new List<string>();
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (string.Equals(Encoding.UTF8.GetString(m.Header(i).Name.Of(m.Span)), name, StringComparison.OrdinalIgnoreCase)) list.Add(m.ValueString(i));
        }
        return list;
    }

    private static int s_branch;

    /// <summary>A REGISTER as a UA sends it.</summary>
    public static string Register(string user, string[] contacts, string callId = "reg-1@192.0.2.7", int cseq = 1, int? expires = null,
        string domain = "example.com", string extra = "", string? authorization = null)
    {
        var sb = new StringBuilder();
        sb.Append("REGISTER sip:").Append(domain).Append(" SIP/2.0\r\n");
        sb.Append("Via: SIP/2.0/UDP 192.0.2.7:40000;branch=z9hG4bK-").Append(Interlocked.Increment(ref s_branch)).Append(";rport\r\n");
        sb.Append("Max-Forwards: 70\r\n");
        sb.Append("From: <sip:").Append(user).Append('@').Append(domain).Append(">;tag=ft").Append(cseq).Append("\r\n");
        sb.Append("To: <sip:").Append(user).Append('@').Append(domain).Append(">\r\n");
        sb.Append("Call-ID: ").Append(callId).Append("\r\n");
        sb.Append("CSeq: ").Append(cseq).Append(" REGISTER\r\n");
        foreach (var c in contacts) sb.Append("Contact: ").Append(c).Append("\r\n");
        if (expires is not null) sb.Append("Expires: ").Append(expires).Append("\r\n");
        if (authorization is not null) sb.Append("Authorization: ").Append(authorization).Append("\r\n");
        sb.Append("User-Agent: TestUA/1.0\r\n");
        sb.Append(extra);
        sb.Append("Content-Length: 0\r\n\r\n");
        return sb.ToString();
    }

    public static string Invite(string ruri, string extra = "")
    {
        return "INVITE " + ruri + " SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK-inv" + Interlocked.Increment(ref s_branch) + "\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:carol@example.org>;tag=1\r\n" +
               "To: <" + ruri + ">\r\n" +
               "Call-ID: inv-" + s_branch + "@192.0.2.9\r\n" +
               "CSeq: 1 INVITE\r\n" +
               "Contact: <sip:carol@192.0.2.9>\r\n" + extra +
               "Content-Length: 0\r\n\r\n";
    }
}
