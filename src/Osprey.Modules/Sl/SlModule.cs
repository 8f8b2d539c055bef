using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Modules.Tm;

namespace Osprey.Modules.Sl;

/// <summary>The sl module: stateless replies (with the same To-tag for every retransmission) and
/// <c>send_reply</c>, which goes through the transaction when the request has one.</summary>
[Module("sl")]
public sealed class SlModule : ModuleBase
{
    private long _sent, _sentErr, _1xx, _2xx, _3xx, _4xx, _5xx, _6xx, _xxx;

    [Function("sl_send_reply", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int SlSendReply(MessageContext ctx, int code, string reason)
    {
        if (code is < 100 or > 699) return -1;
        if (!Server.Replier.ReplyText(ctx, code, reason)) return -1;
        Count(code);
        return 1;
    }

    /// <summary>send_reply: statefully when tm has a transaction for the request, else like sl_send_reply.</summary>
    [Function("send_reply", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int SendReply(MessageContext ctx, int code, string reason)
    {
        if (code is < 100 or > 699) return -1;
        var tm = Server.TransactionLayer;
        if (tm is not null && tm.HasTransaction(ctx))
        {
            if (!tm.Reply(ctx, code, reason)) return -1;
            Count(code);
            return 1;
        }
        return SlSendReply(ctx, code, reason);
    }

    /// <summary>sl_reply_error: the error of the last failed relay of this request (status and reason),
    /// else 500.</summary>
    [Function("sl_reply_error", RouteTypes.Request | RouteTypes.Failure)]
    public int SlReplyError(MessageContext ctx)
    {
        var (code, reason) = TransactionLayer.LastError(ctx) ?? (500, "Server Internal Error");
        if (!Server.Replier.ReplyText(ctx, code, reason)) return -1;
        Count(code);
        Interlocked.Increment(ref _sentErr);
        return 1;
    }

    /// <summary>sl_forward_reply: forwards the current reply statelessly to the next Via (onreply_route).</summary>
    [Function("sl_forward_reply", RouteTypes.OnReply | RouteTypes.CoreReply)]
    public int SlForwardReply(MessageContext ctx) => ctx.Message.IsReply && Server.Forwarder.ForwardReply(ctx) ? 1 : -1;

    /// <summary>sl_forward_reply(code, reason): the same with another status (same class or error) and reason.</summary>
    [Function("sl_forward_reply", RouteTypes.OnReply | RouteTypes.CoreReply)]
    public int SlForwardReply(MessageContext ctx, int code, string reason)
    {
        var msg = ctx.Message;
        if (!msg.IsReply || code is < 100 or > 699) return -1;
        Span<byte> digits = stackalloc byte[3];
        System.Buffers.Text.Utf8Formatter.TryFormat(code, digits, out _);
        int codeAt = msg.ReasonRange.Start > 12 ? msg.ReasonRange.Start - 4 : 8;
        ctx.Editor.Replace(codeAt, 3, digits);
        if (reason.Length > 0) ctx.Editor.Replace(msg.ReasonRange.Start, msg.ReasonRange.Length, System.Text.Encoding.UTF8.GetBytes(reason));
        return Server.Forwarder.ForwardReply(ctx) ? 1 : -1;
    }

    private void Count(int code)
    {
        Interlocked.Increment(ref _sent);
        switch (code / 100)
        {
            case 1: Interlocked.Increment(ref _1xx); break;
            case 2: Interlocked.Increment(ref _2xx); break;
            case 3: Interlocked.Increment(ref _3xx); break;
            case 4: Interlocked.Increment(ref _4xx); break;
            case 5: Interlocked.Increment(ref _5xx); break;
            case 6: Interlocked.Increment(ref _6xx); break;
            default: Interlocked.Increment(ref _xxx); break;
        }
    }

    [Stat("sent_replies")] public long SentReplies => Interlocked.Read(ref _sent);
    [Stat("sent_err_replies")] public long SentErrReplies => Interlocked.Read(ref _sentErr);
    [Stat("1xx_replies")] public long Replies1xx => Interlocked.Read(ref _1xx);
    [Stat("2xx_replies")] public long Replies2xx => Interlocked.Read(ref _2xx);
    [Stat("3xx_replies")] public long Replies3xx => Interlocked.Read(ref _3xx);
    [Stat("4xx_replies")] public long Replies4xx => Interlocked.Read(ref _4xx);
    [Stat("5xx_replies")] public long Replies5xx => Interlocked.Read(ref _5xx);
    [Stat("6xx_replies")] public long Replies6xx => Interlocked.Read(ref _6xx);
    [Stat("xxx_replies")] public long RepliesXxx => Interlocked.Read(ref _xxx);
}
