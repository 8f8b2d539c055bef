using System.Net;
using Osprey.Core.Pipeline;
using Osprey.Sip.Builder;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Core.Stateless;

/// <summary>
/// Stateless replies (what <c>sl_send_reply</c> does): built from the request, with a To-tag that is the
/// same for every retransmission of the request, sent where RFC 3261 §18.2.2 and RFC 3581 say.
/// </summary>
public sealed class StatelessReplier
{
    private readonly SipServer _server;
    private readonly byte[] _serverHeader;

    internal StatelessReplier(SipServer server)
    {
        _server = server;
        var h = server.Settings.ServerHeader;
        _serverHeader = string.IsNullOrEmpty(h) ? [] : System.Text.Encoding.UTF8.GetBytes(h + "\r\n");
    }

    /// <summary>Stack a caller reserves for <see cref="EncodeReason"/>: room for a 63-character phrase.</summary>
    public const int ReasonStackBytes = 192;

    /// <summary>
    /// A reason phrase given as text (a script's argument, the same string every time) as UTF-8: in
    /// <paramref name="buffer"/> (stack) when it fits, as a reply's phrase does, else in a new array.
    /// </summary>
    public static ReadOnlySpan<byte> EncodeReason(string reason, Span<byte> buffer) =>
        System.Text.Encoding.UTF8.GetMaxByteCount(reason.Length) <= buffer.Length
            ? buffer[..System.Text.Encoding.UTF8.GetBytes(reason, buffer)]
            : System.Text.Encoding.UTF8.GetBytes(reason);

    /// <summary>Sends a reply whose reason phrase is text, without allocating for it. False when it could not be sent.</summary>
    public bool ReplyText(MessageContext ctx, int status, string reason)
    {
        Span<byte> utf8 = stackalloc byte[ReasonStackBytes];
        return Reply(ctx, status, EncodeReason(reason, utf8));
    }

    /// <summary>What the replies sent through <see cref="Reply"/> were (the sl module's statistics).</summary>
    public StatelessReplyCounts Counts { get; } = new();

    /// <summary>Sends a reply to the context's request, counted in <see cref="Counts"/>. False when it could not be sent.</summary>
    public bool Reply(MessageContext ctx, int status, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> extraHeaders = default,
        ReadOnlySpan<byte> contentType = default, ReadOnlySpan<byte> body = default)
    {
        bool sent = Send(ctx, status, reason, extraHeaders, contentType, body);
        if (sent) Counts.CountSent(status);
        else Counts.CountFailure();
        return sent;
    }

    /// <summary>The core's own answer to a request it cannot take (malformed, too large): sent like any
    /// stateless reply, not counted with the script's and the modules' (Kamailio's sl does not see these).</summary>
    internal bool ReplyFromCore(MessageContext ctx, int status, ReadOnlySpan<byte> reason) => Send(ctx, status, reason, default, default, default);

    private bool Send(MessageContext ctx, int status, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> extraHeaders,
        ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> body)
    {
        var msg = ctx.Message;
        if (!msg.TopVia.IsValid || msg.Method == SipMethod.Ack) return false; // never answer an ACK (RFC 3261 §17.2.1)
        Span<byte> tag = stackalloc byte[16];
        ToTagFor(msg, tag);
        using var bytes = BuildReply(ctx, status, reason, tag, extraHeaders, contentType, body, out bool fillRport);
        var dest = ReplyDestination(ctx, fillRport);
        if (dest is null) return false;
        var r = _server.Sender.Send(ctx.Protocol, dest, bytes.Span, ctx.Local, ctx.ConnectionId, noConnect: ctx.ReplyNoConnect);
        // set_reply_close(): the connection ends once this reply is out
        if (ctx.ReplyClose && ctx.ConnectionId != 0) _server.Sender.CloseConnection(ctx.ConnectionId);
        return r == SendResult.Sent;
    }

    /// <summary>Builds a reply to the context's request (RFC 3261 §8.2.6) with received/rport filled as
    /// §18.2.1 and RFC 3581 say and the Server header; shared with stateful replies (tm).
    /// <paramref name="fillRport"/> tells <see cref="ReplyDestination"/> to use the source port.</summary>
    public PooledBytes BuildReply(MessageContext ctx, int status, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> toTag,
        ReadOnlySpan<byte> extraHeaders, ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> body, out bool fillRport)
    {
        var msg = ctx.Message;
        ref readonly var via = ref msg.TopVia;
        fillRport = via.HasRport || ctx.ForceRport || _server.Settings.ForceRport;
        // RFC 3261 §18.2.1: received when sent-by differs from the packet's source address;
        // RFC 3581 §4: always when rport is filled in
        Span<byte> received = stackalloc byte[48];
        int receivedLen = 0;
        if (ctx.Source.Address.TryFormat(received, out int n) && (fillRport || !SameHost(via.Host, received[..n]))) receivedLen = n;
        // headers added by the script (append_to_reply) come first, then the caller's, then Server
        var appended = ctx.ReplyHeaders;
        int extraLen = appended.Length + extraHeaders.Length + _serverHeader.Length;
        Span<byte> extra = extraLen <= 2048 ? stackalloc byte[extraLen] : new byte[extraLen];
        appended.CopyTo(extra);
        extraHeaders.CopyTo(extra[appended.Length..]);
        _serverHeader.CopyTo(extra[(appended.Length + extraHeaders.Length)..]);
        if (body.IsEmpty && ctx.ReplyBody is { Length: > 0 } scriptBody)
        {
            // set_reply_body(): the body and its type come from the script
            body = System.Text.Encoding.UTF8.GetBytes(scriptBody);
            contentType = System.Text.Encoding.UTF8.GetBytes(ctx.ReplyContentType ?? "text/plain");
        }
        var opts = new ReplyOptions
        {
            ToTag = toTag,
            Received = received[..receivedLen],
            Rport = fillRport ? ctx.Source.Port : 0,
            ForceRport = ctx.ForceRport || _server.Settings.ForceRport,
            ExtraHeaders = extra,
            ContentType = contentType,
            Body = body,
        };
        return ReplyBuilder.Build(msg, status, reason, opts);
    }

    private static bool SameHost(ReadOnlySpan<byte> viaHost, ReadOnlySpan<byte> ip)
    {
        if (viaHost.Length > 2 && viaHost[0] == (byte)'[') viaHost = viaHost[1..^1];
        return Sip.Text.SipChars.EqualsIgnoreCase(viaHost, ip);
    }

    /// <summary>The To-tag for replies to this request: a hash of what stays the same across
    /// retransmissions (Call-ID, From tag, CSeq number, top Via branch), so each retransmission gets
    /// the same tag.</summary>
    public static void ToTagFor(SipMessage msg, Span<byte> dest16)
    {
        var h = StableHash.Create();
        h.Add(msg.CallId);
        h.Add(msg.From.Tag);
        h.Add(msg.TopVia.Branch);
        Span<byte> num = stackalloc byte[12];
        System.Buffers.Text.Utf8Formatter.TryFormat(msg.CSeq.Number, num, out int n);
        h.Add(num[..n]);
        h.WriteHex(dest16);
    }

    /// <summary>RFC 3261 §18.2.2 with RFC 3581: where a reply to this request goes.</summary>
    public IPEndPoint? ReplyDestination(MessageContext ctx, bool useSourcePort)
    {
        ref readonly var via = ref ctx.Message.TopVia;
        if (ctx.Protocol.IsReliable()) return ctx.Source; // same connection
        if (via.MaddrRange.Length > 0)
        {
            return _server.Dns.Resolve(via.Maddr, via.Port != 0 ? via.Port : 5060);
        }
        int port = useSourcePort ? ctx.Source.Port : via.Port != 0 ? via.Port : 5060;
        return port == ctx.Source.Port ? ctx.Source : new IPEndPoint(ctx.Source.Address, port);
    }
}
