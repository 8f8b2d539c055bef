using System.Net;
using System.Text;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tests;

/// <summary>
/// Runs module functions the way the pipeline does: the SIP text is injected into a <see cref="SipServer"/>
/// over an in-memory transport, a tiny router calls the function under test on the context, and what
/// the server sends (replies) is recorded. <see cref="Forwarded"/> applies the context's edits and
/// re-parses the result: the message a next hop would receive.
/// </summary>
internal sealed class ModuleHarness : ISipSender, IMessageRouter
{
    public readonly List<(IPEndPoint To, byte[] Data)> Sent = [];
    public readonly ListenEndpoint Udp = new(SipProtocol.Udp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));
    public readonly ListenEndpoint Tcp = new(SipProtocol.Tcp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));
    private Action<MessageContext>? _onMessage;

    public ModuleHarness(CoreSettings? settings = null)
    {
        Server = new SipServer(settings ?? new CoreSettings { ServerHeader = "" }, this);
        Server.AttachTransport(this, [Udp, Tcp]);
    }

    public SipServer Server { get; }

    /// <summary>The context of the last message, as the script left it.</summary>
    public MessageContext? Context { get; private set; }

    public SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false)
    {
        Sent.Add((destination, data.ToArray()));
        return SendResult.Sent;
    }

    // The server catches and logs what the script throws (a bug must not stop the receive loop), so
    // failed assertions inside a script are captured here and rethrown by Run.
    private Exception? _scriptFailure;

    void IMessageRouter.OnRequest(MessageContext ctx) => RunScript(ctx);

    /// <summary>Let replies go on to stateless forwarding after the script (reply_route without drop).</summary>
    public bool ForwardReplies { get; set; }

    bool IMessageRouter.OnReply(MessageContext ctx)
    {
        RunScript(ctx);
        return ForwardReplies;
    }

    private void RunScript(MessageContext ctx)
    {
        Context = ctx;
        try
        {
            _onMessage?.Invoke(ctx);
        }
        catch (Exception ex)
        {
            _scriptFailure = ex;
        }
    }

    /// <summary>Injects <paramref name="sip"/> (LF line ends become CRLF) and runs <paramref name="script"/> on it.</summary>
    public MessageContext Run(string sip, Action<MessageContext> script, string from = "192.0.2.7:40000", SipProtocol protocol = SipProtocol.Udp)
    {
        Context = null;
        _onMessage = script;
        var bytes = Encoding.UTF8.GetBytes(Crlf(sip));
        _scriptFailure = null;
        Server.OnMessage(new InboundMessage(bytes, IPEndPoint.Parse(from), protocol == SipProtocol.Udp ? Udp : Tcp, protocol == SipProtocol.Udp ? 0 : 7));
        if (_scriptFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_scriptFailure);
        Assert.True(Context is not null, "the message did not reach the script (rejected by the core?)");
        return Context!;
    }

    /// <summary>Runs a function and returns its result code.</summary>
    public int Call(string sip, Func<MessageContext, int> function)
    {
        int r = int.MinValue;
        Run(sip, ctx => r = function(ctx));
        return r;
    }

    public static string Crlf(string s) => s.Replace("\r\n", "\n").Replace("\n", "\r\n");

    /// <summary>The message with the context's edits applied, as a peer would receive it.</summary>
    public static SipMessage Forwarded(MessageContext ctx)
    {
        using var bytes = ctx.Editor.Apply();
        var copy = bytes.Span.ToArray();
        var m = SipMessage.ParseAndValidate(copy, Framing.Datagram, out var err);
        Assert.False(err.IsError, err + "\n" + Encoding.UTF8.GetString(copy));
        return m!;
    }

    public static string ForwardedText(MessageContext ctx)
    {
        using var bytes = ctx.Editor.Apply();
        return Encoding.UTF8.GetString(bytes.Span);
    }

    public SipMessage LastSent()
    {
        Assert.NotEmpty(Sent);
        var m = SipMessage.ParseAndValidate(Sent[^1].Data, Framing.Datagram, out var err);
        Assert.False(err.IsError, err + "\n" + Encoding.UTF8.GetString(Sent[^1].Data));
        return m!;
    }

    public string LastSentText() => Encoding.UTF8.GetString(Sent[^1].Data);

    public const string Invite = """
        INVITE sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP 192.0.2.7:40000;branch=z9hG4bK-abc;rport
        Max-Forwards: 70
        From: "Alice" <sip:alice@example.org>;tag=ft1
        To: <sip:bob@example.com>
        Call-ID: call-1@example.org
        CSeq: 10 INVITE
        Contact: <sip:alice@192.0.2.7:40000>
        P-Asserted-Identity: <sip:alice@example.org>
        P-Charge-Info: <sip:123@example.org>
        User-Agent: TestUA/1.0
        Supported: 100rel, timer
        Content-Type: application/sdp
        Content-Length: 35

        v=0
        o=alice 1 1 IN IP4 192.0.2.7

        """;

    public const string Options = """
        OPTIONS sip:example.com SIP/2.0
        Via: SIP/2.0/UDP 192.0.2.7:40000;branch=z9hG4bK-opt
        Max-Forwards: 70
        From: <sip:alice@example.org>;tag=ft2
        To: <sip:example.com>
        Call-ID: call-2@example.org
        CSeq: 1 OPTIONS
        Content-Length: 0


        """;

    public const string Reply603 = """
        SIP/2.0 603 Decline
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-down
        Via: SIP/2.0/UDP 192.0.2.7:40000;branch=z9hG4bK-abc
        From: "Alice" <sip:alice@example.org>;tag=ft1
        To: <sip:bob@example.com>;tag=tt9
        Call-ID: call-1@example.org
        CSeq: 10 INVITE
        Content-Length: 0


        """;
}
