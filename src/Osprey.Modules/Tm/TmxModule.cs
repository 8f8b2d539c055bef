using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Modules.Tm;

/// <summary>The tmx module's basics: where the script is running, and the early retransmission check.</summary>
[Module("tmx")]
public sealed class TmxModule : ModuleBase
{
    private TransactionLayer? Layer => Server.TransactionLayer as TransactionLayer;

    /// <summary>t_precheck_trans(): true when the request is already being processed (a retransmission
    /// that arrived while the first copy is still in the request route, or later).</summary>
    [Function("t_precheck_trans", RouteTypes.Request)]
    public int TPrecheckTrans(MessageContext ctx)
    {
        var m = ctx.Message;
        if (Layer is not { } layer || !m.IsRequest || m.Method is Sip.Message.SipMethod.Ack or Sip.Message.SipMethod.Cancel) return -1;
        return layer.Lookup(m) is not null ? 1 : -1;
    }

    [Function("t_is_branch_route", RouteTypes.Any)]
    public int TIsBranchRoute(MessageContext ctx) => RouteFrame.Current.Type == RouteTypes.Branch ? 1 : -1;

    [Function("t_is_failure_route", RouteTypes.Any)]
    public int TIsFailureRoute(MessageContext ctx) => RouteFrame.Current.Type == RouteTypes.Failure ? 1 : -1;

    [Function("t_is_reply_route", RouteTypes.Any)]
    public int TIsReplyRoute(MessageContext ctx) => RouteFrame.Current.Type == RouteTypes.OnReply ? 1 : -1;

    /// <summary>t_flush_flags(): the request's flags as they are now become the transaction's (flags set
    /// after the transaction was created, before t_relay).</summary>
    [Function("t_flush_flags", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int TFlushFlags(MessageContext ctx)
    {
        if (Layer is null || TransactionLayer.Current(ctx) is not { } tx) return -1;
        lock (tx.Gate) tx.SavedFlags = ctx.Flags;
        return 1;
    }

    /// <summary>t_reply_callid(callid, cseq, code, reason): replies to the transaction with that Call-ID and
    /// CSeq number (the INVITE's when there are several), from any route.</summary>
    [Function("t_reply_callid", RouteTypes.Any)]
    public int TReplyCallId(MessageContext ctx, string callId, string cseq, int code, string reason)
    {
        if (Layer is not { } layer || code is < 100 or > 699) return -1;
        if (!uint.TryParse(cseq.AsSpan().Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)) return -1;
        var id = System.Text.Encoding.UTF8.GetBytes(callId);
        Transaction? found = null;
        foreach (var t in layer.Table.Snapshot())
        {
            if (t.CSeqNumber != n || !t.CallId.Span.SequenceEqual(id) || t.Method == Sip.Message.SipMethod.Cancel) continue;
            found = t;
            if (t.Method == Sip.Message.SipMethod.Invite) break;
        }
        if (found is null) return -1;
        lock (found.Gate) return layer.SendLocalReply(found, layer.RequestContext(found), code, System.Text.Encoding.UTF8.GetBytes(reason)) ? 1 : -1;
    }

    private TransactionLayer L => Layer ?? throw new InvalidOperationException("tmx needs tm");

    [Stat("UAS_transactions")] public long UasTransactions => Interlocked.Read(ref L.Stats.UasTransactions);
    [Stat("UAC_transactions")] public long UacTransactions => Interlocked.Read(ref L.Stats.UacTransactions);
    [Stat("active_transactions", NoReset = true)] public long ActiveTransactions => L.Count;
    [Stat("inuse_transactions", NoReset = true)] public long InuseTransactions => L.Count;
    [Stat("2xx_transactions")] public long Tx2xx => Interlocked.Read(ref L.Stats.Tx2xx);
    [Stat("3xx_transactions")] public long Tx3xx => Interlocked.Read(ref L.Stats.Tx3xx);
    [Stat("4xx_transactions")] public long Tx4xx => Interlocked.Read(ref L.Stats.Tx4xx);
    [Stat("5xx_transactions")] public long Tx5xx => Interlocked.Read(ref L.Stats.Tx5xx);
    [Stat("6xx_transactions")] public long Tx6xx => Interlocked.Read(ref L.Stats.Tx6xx);

    // Replies through transactions, as Kamailio 5.6 counts them: received = every reply matched to a
    // transaction (100s and 2xx retransmissions included); relayed = those sent upstream; absorbed = the
    // rest; generated = replies of this server (t_reply, send_reply, the automatic 100 Trying); sent =
    // relayed + generated. Retransmissions by the timers are not counted.
    [Stat("rpl_received")] public long RplReceived => Interlocked.Read(ref L.Stats.RplReceived);
    [Stat("rpl_relayed")] public long RplRelayed => Interlocked.Read(ref L.Stats.RplRelayed);

    // relayed first: a reply is counted received before it is relayed, so the difference stays >= 0
    [Stat("rpl_absorbed")] public long RplAbsorbed
    {
        get
        {
            long relayed = Interlocked.Read(ref L.Stats.RplRelayed);
            return Math.Max(0, Interlocked.Read(ref L.Stats.RplReceived) - relayed);
        }
    }

    [Stat("rpl_generated")] public long RplGenerated => Interlocked.Read(ref L.Stats.RplGenerated);
    [Stat("rpl_sent")] public long RplSent => Interlocked.Read(ref L.Stats.RplRelayed) + Interlocked.Read(ref L.Stats.RplGenerated);
}
