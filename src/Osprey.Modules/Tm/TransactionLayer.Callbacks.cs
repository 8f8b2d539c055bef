using System.Text;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;

namespace Osprey.Modules.Tm;

public sealed partial class TransactionLayer
{
    [ThreadStatic] private static long t_lastE2eAck; // Serial

    /// <summary>Observers of transaction events (acc). Empty by default: nothing is built for them then.</summary>
    public TmCallbacks Callbacks { get; set; } = new();

    // caller holds tx.Gate: the first reply of its kind from this server went upstream
    private void NotifyLocalReply(Transaction tx, MessageContext ctx, int status, ReadOnlySpan<byte> reason)
    {
        if (!Callbacks.Any) return;
        var rctx = ReferenceEquals(ctx.Transaction, tx) ? ctx : RequestContext(tx);
        Callbacks.ResponseOut(tx, rctx, new TmReplyInfo(status, Encoding.UTF8.GetString(reason), tx.ReplyToTag, true, null));
    }

    // caller holds tx.Gate: a reply received from a branch went upstream
    private void NotifyRelayedReply(Transaction tx, SipMessage reply, int status)
    {
        if (tx.LocalUac && tx.Method == SipMethod.Invite && status is >= 200 and < 300) AckLocal2xx(tx, reply);
        if (tx.LocalFinal is { } final && status >= 200)
        {
            var s = reply.Span;
            final.TrySetResult(new LocalRequestResult(reply.StatusCode, Encoding.UTF8.GetString(reply.Reason), Encoding.UTF8.GetString(s[reply.HeadersStart..reply.Length])));
        }
        if (!Callbacks.Any) return;
        string reason = status == 500 && reply.StatusCode == 503 ? "Server Internal Error" : Encoding.UTF8.GetString(reply.Reason);
        Callbacks.ResponseOut(tx, RequestContext(tx), new TmReplyInfo(status, reason, reply.To.Tag.ToArray(), false, reply));
    }

    // caller holds tx.Gate: every branch failed. Returns the context the observers saw (their flag
    // changes are the transaction's now), for the failure route to run on; null when nobody listens.
    private MessageContext? NotifyFailure(Transaction tx, int best)
    {
        if (!Callbacks.Any || best < 0) return null;
        var b = tx.Branches[best];
        if (b.Status < 300) return null;
        var ctx = RequestContext(tx);
        TmReplyInfo info = b.FinalReply is { } r
            ? new TmReplyInfo(b.Status, Encoding.UTF8.GetString(r.Reason), r.To.Tag.ToArray(), false, r)
            : new TmReplyInfo(b.Status, Acc.ReasonPhrases.For(b.Status), tx.ReplyToTag, true, null);
        Callbacks.OnFailure(tx, ctx, info);
        tx.SavedFlags = ctx.Flags;
        return ctx;
    }

    /// <summary>An ACK for a 2xx of a transaction still in the table: tells the observers once per ACK.
    /// True when the INVITE transaction was found.</summary>
    internal bool NotifyE2eAck(MessageContext ackCtx)
    {
        var msg = ackCtx.Message;
        var invite = Table.FindInviteOf2xxAck(msg);
        if (invite is null) return false;
        if (Callbacks.Any && t_lastE2eAck != msg.Serial)
        {
            t_lastE2eAck = msg.Serial;
            lock (invite.Gate) Callbacks.E2eAck(invite, ackCtx);
        }
        return true;
    }

    /// <summary>Status and reason phrase of the final reply the transaction sent upstream ((0, "") while none).</summary>
    public static (int Status, string Reason) FinalReply(Transaction tx)
    {
        lock (tx.Gate)
        {
            if (tx.UasStatus < 200 || tx.LastReply is null) return (tx.FinalStatus, "");
            var line = tx.LastReply.AsSpan(0, tx.LastReplyLength);
            int eol = line.IndexOf("\r\n"u8);
            if (eol > 0) line = line[..eol];
            // "SIP/2.0 200 OK": the reason follows the second space
            int sp = line.IndexOf((byte)' ');
            int sp2 = sp < 0 ? -1 : line[(sp + 1)..].IndexOf((byte)' ');
            return (tx.UasStatus, sp2 < 0 ? "" : Encoding.UTF8.GetString(line[(sp + sp2 + 2)..]));
        }
    }

    /// <summary>Flags the transaction carries (set in the request route before t_relay, and in failure routes).</summary>
    public static ulong FlagsOf(Transaction tx)
    {
        lock (tx.Gate) return tx.SavedFlags;
    }
}
