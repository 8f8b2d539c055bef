using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Stateless;
using Osprey.Modules.Tm;

namespace Osprey.Modules.Sl;

/// <summary>The sl module: stateless replies (with the same To-tag for every retransmission) and
/// <c>send_reply</c>, which goes through the transaction when the request has one.</summary>
/// <remarks>Its statistics count every reply sent statelessly for the script and the modules (save(),
/// auth challenges, sanity), as Kamailio's do: they live in <see cref="StatelessReplier.Counts"/>, which
/// the replier keeps; replies sent through a transaction are tm's (tmx). Osprey's sl does not filter ACKs
/// for its replies (they reach the script), so <c>received_ACKs</c> stays 0.</remarks>
[Module("sl")]
public sealed class SlModule : ModuleBase
{
    private long _sentErr;

    [Function("sl_send_reply", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int SlSendReply(MessageContext ctx, int code, string reason)
    {
        if (code is < 100 or > 699) return -1;
        return Server.Replier.ReplyText(ctx, code, reason) ? 1 : -1;
    }

    /// <summary>send_reply: statefully when tm has a transaction for the request, else like sl_send_reply.</summary>
    [Function("send_reply", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int SendReply(MessageContext ctx, int code, string reason)
    {
        if (code is < 100 or > 699) return -1;
        var tm = Server.TransactionLayer;
        if (tm is not null && tm.HasTransaction(ctx)) return tm.Reply(ctx, code, reason) ? 1 : -1;
        return SlSendReply(ctx, code, reason);
    }

    /// <summary>sl_reply_error: the error of the last failed relay of this request (status and reason),
    /// else 500.</summary>
    [Function("sl_reply_error", RouteTypes.Request | RouteTypes.Failure)]
    public int SlReplyError(MessageContext ctx)
    {
        var (code, reason) = TransactionLayer.LastError(ctx) ?? (500, "Server Internal Error");
        if (!Server.Replier.ReplyText(ctx, code, reason)) return -1;
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

    private long Count(SlReplyBucket bucket) => Server.Replier.Counts.Read(bucket);

    [Stat("sent_replies")] public long SentReplies => Count(SlReplyBucket.Sent);
    [Stat("sent_err_replies")] public long SentErrReplies => Interlocked.Read(ref _sentErr);
    [Stat("failures")] public long Failures => Count(SlReplyBucket.Failures);
    [Stat("received_ACKs")] public long ReceivedAcks => 0;
    [Stat("1xx_replies")] public long Replies1xx => Count(SlReplyBucket.Replies1xx);
    [Stat("200_replies")] public long Replies200 => Count(SlReplyBucket.Replies200);
    [Stat("202_replies")] public long Replies202 => Count(SlReplyBucket.Replies202);
    [Stat("2xx_replies")] public long Replies2xx => Count(SlReplyBucket.Replies2xx);
    [Stat("300_replies")] public long Replies300 => Count(SlReplyBucket.Replies300);
    [Stat("301_replies")] public long Replies301 => Count(SlReplyBucket.Replies301);
    [Stat("302_replies")] public long Replies302 => Count(SlReplyBucket.Replies302);
    [Stat("3xx_replies")] public long Replies3xx => Count(SlReplyBucket.Replies3xx);
    [Stat("400_replies")] public long Replies400 => Count(SlReplyBucket.Replies400);
    [Stat("401_replies")] public long Replies401 => Count(SlReplyBucket.Replies401);
    [Stat("403_replies")] public long Replies403 => Count(SlReplyBucket.Replies403);
    [Stat("404_replies")] public long Replies404 => Count(SlReplyBucket.Replies404);
    [Stat("407_replies")] public long Replies407 => Count(SlReplyBucket.Replies407);
    [Stat("408_replies")] public long Replies408 => Count(SlReplyBucket.Replies408);
    [Stat("483_replies")] public long Replies483 => Count(SlReplyBucket.Replies483);
    [Stat("4xx_replies")] public long Replies4xx => Count(SlReplyBucket.Replies4xx);
    [Stat("500_replies")] public long Replies500 => Count(SlReplyBucket.Replies500);
    [Stat("5xx_replies")] public long Replies5xx => Count(SlReplyBucket.Replies5xx);
    [Stat("6xx_replies")] public long Replies6xx => Count(SlReplyBucket.Replies6xx);
    [Stat("xxx_replies")] public long RepliesXxx => Count(SlReplyBucket.RepliesXxx);
}
